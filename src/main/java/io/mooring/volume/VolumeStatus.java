package io.mooring.volume;

import java.util.Set;

/** Cinder's volume status and attach_status values that Mooring uses (objects/fields.py). */
public final class VolumeStatus {

    public static final String CREATING = "creating";
    public static final String AVAILABLE = "available";
    public static final String RESERVED = "reserved";
    public static final String ATTACHING = "attaching";
    public static final String IN_USE = "in-use";
    public static final String DETACHING = "detaching";
    public static final String DELETING = "deleting";
    public static final String ERROR = "error";
    public static final String ERROR_DELETING = "error_deleting";
    public static final String EXTENDING = "extending";
    public static final String ERROR_EXTENDING = "error_extending";

    public static final String DETACHED = "detached";
    public static final String ATTACHED = "attached";

    /** Every value Cinder's os-reset_status accepts. */
    public static final Set<String> ALL = Set.of("creating", "available", "deleting", "error", "error_deleting",
            "error_managing", "managing", "attaching", "in-use", "detaching", "maintenance", "restoring-backup",
            "error_restoring", "reserved", "awaiting-transfer", "backing-up", "error_backing-up", "error_extending",
            "downloading", "uploading", "retyping", "extending");

    /** Cinder deletes only from these (and only when nothing is attached). */
    public static final Set<String> DELETABLE = Set.of("available", "error", "error_restoring", "error_extending", "error_managing");

    private VolumeStatus() {
    }
}
