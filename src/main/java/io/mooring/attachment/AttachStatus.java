package io.mooring.attachment;

/** Cinder's attachment attach_status values. */
public final class AttachStatus {

    public static final String RESERVED = "reserved";
    public static final String ATTACHING = "attaching";
    public static final String ATTACHED = "attached";
    public static final String DETACHING = "detaching";
    public static final String DETACHED = "detached";
    public static final String ERROR_ATTACHING = "error_attaching";

    private AttachStatus() {
    }
}
