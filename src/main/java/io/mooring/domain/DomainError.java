package io.mooring.domain;

import java.util.UUID;

/**
 * What went wrong, in the domain's words: the services fail with these and know nothing of HTTP. The API layer
 * ({@code io.mooring.api.DomainFaults}) turns each into Cinder's fault name, status and message.
 */
public abstract sealed class DomainError extends RuntimeException {

    private DomainError(String description) {
        super(description, null, false, false);
    }

    /** The attach workflow's steps that refuse a volume in an error state (Cinder answers them differently). */
    public enum AttachStep {
        RESERVE, CONNECT
    }

    /** No volume with this id that the caller may see. */
    public static final class VolumeNotFound extends DomainError {
        private final UUID volumeId;

        public VolumeNotFound(UUID volumeId) {
            super("volume " + volumeId + " not found");
            this.volumeId = volumeId;
        }

        public UUID volumeId() {
            return volumeId;
        }
    }

    /** A volume list's marker names no volume the caller may see. */
    public static final class MarkerNotFound extends DomainError {
        private final String marker;

        public MarkerNotFound(String marker) {
            super("marker " + marker + " not found");
            this.marker = marker;
        }

        public String marker() {
            return marker;
        }
    }

    /** No live attachment with this id (or list marker) that the caller may see. */
    public static final class AttachmentNotFound extends DomainError {
        private final String idOrMarker;

        public AttachmentNotFound(Object idOrMarker) {
            super("attachment " + idOrMarker + " not found");
            this.idOrMarker = String.valueOf(idOrMarker);
        }

        public String idOrMarker() {
            return idOrMarker;
        }
    }

    /** No volume type with this id, or with this name when {@code byName}. */
    public static final class VolumeTypeNotFound extends DomainError {
        private final String nameOrId;
        private final boolean byName;

        public VolumeTypeNotFound(String nameOrId, boolean byName) {
            super("volume type " + nameOrId + " not found");
            this.nameOrId = nameOrId;
            this.byName = byName;
        }

        public String nameOrId() {
            return nameOrId;
        }

        public boolean byName() {
            return byName;
        }
    }

    /** Every raw device is taken by a volume already. */
    public static final class NoFreeRawDevice extends DomainError {
        private final String typeName;

        public NoFreeRawDevice(String typeName) {
            super("no raw device free for volume type " + typeName);
            this.typeName = typeName;
        }

        public String typeName() {
            return typeName;
        }
    }

    /** The volume's status or its attachments forbid deleting it. */
    public static final class VolumeNotDeletable extends DomainError {
        private final UUID volumeId;

        public VolumeNotDeletable(UUID volumeId) {
            super("volume " + volumeId + " cannot be deleted now");
            this.volumeId = volumeId;
        }

        public UUID volumeId() {
            return volumeId;
        }
    }

    /** The volume's status does not allow (another) reservation. */
    public static final class VolumeNotReservable extends DomainError {
        private final UUID volumeId;
        private final String status;
        private final boolean multiattach;

        public VolumeNotReservable(UUID volumeId, String status, boolean multiattach) {
            super("volume " + volumeId + " cannot be reserved in status " + status);
            this.volumeId = volumeId;
            this.status = status;
            this.multiattach = multiattach;
        }

        public UUID volumeId() {
            return volumeId;
        }

        public String status() {
            return status;
        }

        public boolean multiattach() {
            return multiattach;
        }
    }

    /** The volume is in an error status, so {@code step} of the attach workflow is refused. */
    public static final class VolumeInErrorState extends DomainError {
        private final UUID volumeId;
        private final String status;
        private final AttachStep step;

        public VolumeInErrorState(UUID volumeId, String status, AttachStep step) {
            super("volume " + volumeId + " is in status " + status + ": " + step + " refused");
            this.volumeId = volumeId;
            this.status = status;
            this.step = step;
        }

        public UUID volumeId() {
            return volumeId;
        }

        public String status() {
            return status;
        }

        public AttachStep step() {
            return step;
        }
    }

    /** Another attachment of this non-multiattach volume is connected already. */
    public static final class DuplicateConnector extends DomainError {
        private final UUID volumeId;

        public DuplicateConnector(UUID volumeId) {
            super("volume " + volumeId + " has a connected attachment already");
            this.volumeId = volumeId;
        }

        public UUID volumeId() {
            return volumeId;
        }
    }

    /** The attachment is {@code detaching}: it cannot be connected again. */
    public static final class AttachmentBeingDeleted extends DomainError {
        private final UUID attachmentId;

        public AttachmentBeingDeleted(UUID attachmentId) {
            super("attachment " + attachmentId + " is being deleted");
            this.attachmentId = attachmentId;
        }

        public UUID attachmentId() {
            return attachmentId;
        }
    }

    /** The attachment never got a connector, so there is nothing to complete. */
    public static final class AttachmentNotConnected extends DomainError {
        private final UUID attachmentId;
        private final String status;

        public AttachmentNotConnected(UUID attachmentId, String status) {
            super("attachment " + attachmentId + " is " + status + ", not connected");
            this.attachmentId = attachmentId;
            this.status = status;
        }

        public UUID attachmentId() {
            return attachmentId;
        }

        public String status() {
            return status;
        }
    }

    /** The connector cannot be served; {@code reason} says why, as a sentence. */
    public static final class InvalidConnector extends DomainError {
        private final String reason;

        public InvalidConnector(String reason) {
            super("invalid connector: " + reason);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** An extend to {@code newGib} that does not grow the volume of {@code currentGib}. */
    public static final class ExtendNotLarger extends DomainError {
        private final int currentGib;
        private final int newGib;

        public ExtendNotLarger(int currentGib, int newGib) {
            super("extend to " + newGib + "G does not grow a volume of " + currentGib + "G");
            this.currentGib = currentGib;
            this.newGib = newGib;
        }

        public int currentGib() {
            return currentGib;
        }

        public int newGib() {
            return newGib;
        }
    }

    /** The volume's status is not {@code expectedStatus}, the one an extend of it needs. */
    public static final class VolumeNotExtendable extends DomainError {
        private final UUID volumeId;
        private final String expectedStatus;
        private final String status;

        public VolumeNotExtendable(UUID volumeId, String expectedStatus, String status) {
            super("volume " + volumeId + " is " + status + ", extend needs " + expectedStatus);
            this.volumeId = volumeId;
            this.expectedStatus = expectedStatus;
            this.status = status;
        }

        public UUID volumeId() {
            return volumeId;
        }

        public String expectedStatus() {
            return expectedStatus;
        }

        public String status() {
            return status;
        }
    }

    /** A raw-device volume's device holds {@code availableGib} beyond the volume, less than the {@code requestedGib} more asked for. */
    public static final class RawDeviceTooSmall extends DomainError {
        private final long requestedGib;
        private final long availableGib;

        public RawDeviceTooSmall(long requestedGib, long availableGib) {
            super("the raw device has " + availableGib + "G left, " + requestedGib + "G asked for");
            this.requestedGib = requestedGib;
            this.availableGib = availableGib;
        }

        public long requestedGib() {
            return requestedGib;
        }

        public long availableGib() {
            return availableGib;
        }
    }

    /**
     * File-backed volumes of {@code requestedGib} more do not fit (Cinder's CapacityFilter for thin provisioning):
     * {@code shortfall} says which limit, the rest are the figures it was judged on (GiB, ratios).
     */
    public static final class InsufficientCapacity extends DomainError {

        /** Which limit the request hit. */
        public enum Shortfall {
            /** Nothing is free above {@code mooring.space.min-free}. */
            NO_FREE_SPACE,
            /** Provisioned plus requested would exceed the maximum overcommit ratio. */
            OVERSUBSCRIBED,
            /** The free space times the ratio cannot hold the request. */
            NO_VIRTUAL_SPACE
        }

        private final Shortfall shortfall;
        private final long requestedGib;
        private final long provisionedGib;
        private final double capacityGib;
        private final double freeGib;
        private final double keptFreeGib;
        private final double provisionedRatio;
        private final double maxOvercommit;
        private final double virtualFreeGib;

        public InsufficientCapacity(Shortfall shortfall, long requestedGib, long provisionedGib, double capacityGib, double freeGib,
                                    double keptFreeGib, double provisionedRatio, double maxOvercommit, double virtualFreeGib) {
            super("insufficient capacity (" + shortfall + ") for " + requestedGib + "G");
            this.shortfall = shortfall;
            this.requestedGib = requestedGib;
            this.provisionedGib = provisionedGib;
            this.capacityGib = capacityGib;
            this.freeGib = freeGib;
            this.keptFreeGib = keptFreeGib;
            this.provisionedRatio = provisionedRatio;
            this.maxOvercommit = maxOvercommit;
            this.virtualFreeGib = virtualFreeGib;
        }

        public Shortfall shortfall() {
            return shortfall;
        }

        public long requestedGib() {
            return requestedGib;
        }

        public long provisionedGib() {
            return provisionedGib;
        }

        /** The filesystem's size. */
        public double capacityGib() {
            return capacityGib;
        }

        /** What the filesystem has free, {@link #keptFreeGib} included. */
        public double freeGib() {
            return freeGib;
        }

        /** {@code mooring.space.min-free}. */
        public double keptFreeGib() {
            return keptFreeGib;
        }

        /** (provisioned + requested) / capacity. */
        public double provisionedRatio() {
            return provisionedRatio;
        }

        /** {@code mooring.space.max-overcommit}. */
        public double maxOvercommit() {
            return maxOvercommit;
        }

        /** (free - kept free) × the maximum overcommit ratio. */
        public double virtualFreeGib() {
            return virtualFreeGib;
        }
    }

    /** A volume in {@code maintenance} cannot be updated (name, description, metadata, bootable). */
    public static final class VolumeUnderMaintenance extends DomainError {
        private final UUID volumeId;

        public VolumeUnderMaintenance(UUID volumeId) {
            super("volume " + volumeId + " is under maintenance");
            this.volumeId = volumeId;
        }

        public UUID volumeId() {
            return volumeId;
        }
    }

    /** The read-only flag changes only while the volume is {@code available} (no connection can be open then). */
    public static final class ReadonlyFlagRefused extends DomainError {
        private final UUID volumeId;
        private final String status;

        public ReadonlyFlagRefused(UUID volumeId, String status) {
            super("volume " + volumeId + " is " + status + ": read-only flag not changed");
            this.volumeId = volumeId;
            this.status = status;
        }

        public UUID volumeId() {
            return volumeId;
        }

        public String status() {
            return status;
        }
    }

    /** Metadata cannot change while the volume is in {@code maintenance} or {@code uploading}. */
    public static final class MetadataChangeRefused extends DomainError {
        private final String status;
        private final boolean deleting;

        public MetadataChangeRefused(String status, boolean deleting) {
            super("metadata change refused in status " + status);
            this.status = status;
            this.deleting = deleting;
        }

        public String status() {
            return status;
        }

        /** A key was to be deleted (rather than set). */
        public boolean deleting() {
            return deleting;
        }
    }

    /** The volume has no metadata item with this key. */
    public static final class VolumeMetadataNotFound extends DomainError {
        private final UUID volumeId;
        private final String key;

        public VolumeMetadataNotFound(UUID volumeId, String key) {
            super("volume " + volumeId + " has no metadata key " + key);
            this.volumeId = volumeId;
            this.key = key;
        }

        public UUID volumeId() {
            return volumeId;
        }

        public String key() {
            return key;
        }
    }

    /** The metadata is no longer the version the caller read (3.15 If-Match): nothing was changed. */
    public static final class MetadataChanged extends DomainError {
        private final UUID volumeId;

        public MetadataChanged(UUID volumeId) {
            super("metadata of volume " + volumeId + " changed since it was read");
            this.volumeId = volumeId;
        }

        public UUID volumeId() {
            return volumeId;
        }
    }
}
