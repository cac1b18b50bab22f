package io.mooring.api;

import io.mooring.domain.DomainError;
import io.mooring.domain.DomainError.AttachStep;
import io.mooring.domain.DomainError.AttachmentBeingDeleted;
import io.mooring.domain.DomainError.AttachmentNotConnected;
import io.mooring.domain.DomainError.AttachmentNotFound;
import io.mooring.domain.DomainError.DuplicateConnector;
import io.mooring.domain.DomainError.ExtendNotLarger;
import io.mooring.domain.DomainError.InsufficientCapacity;
import io.mooring.domain.DomainError.InvalidConnector;
import io.mooring.domain.DomainError.MarkerNotFound;
import io.mooring.domain.DomainError.MetadataChangeRefused;
import io.mooring.domain.DomainError.MetadataChanged;
import io.mooring.domain.DomainError.NoFreeRawDevice;
import io.mooring.domain.DomainError.ReadonlyFlagRefused;
import io.mooring.domain.DomainError.RawDeviceTooSmall;
import io.mooring.domain.DomainError.VolumeInErrorState;
import io.mooring.domain.DomainError.VolumeMetadataNotFound;
import io.mooring.domain.DomainError.VolumeNotDeletable;
import io.mooring.domain.DomainError.VolumeNotExtendable;
import io.mooring.domain.DomainError.VolumeNotFound;
import io.mooring.domain.DomainError.VolumeNotReservable;
import io.mooring.domain.DomainError.VolumeTypeNotFound;
import io.mooring.domain.DomainError.VolumeUnderMaintenance;
import java.util.Locale;

/** The domain's errors as Cinder answers them: status and message text (the fault name follows from the status). */
public final class DomainFaults {

    private static final String DELETE_REFUSED = "Invalid volume: Volume status must be available or error or error_restoring or "
            + "error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, "
            + "awaiting a transfer, or be disassociated from snapshots after volume transfer.";

    private DomainFaults() {
    }

    public static CinderFault of(DomainError error) {
        return switch (error) {
            case VolumeNotFound e -> CinderFault.volumeNotFound(e.volumeId());
            case MarkerNotFound e -> CinderFault.notFound("Marker " + e.marker() + " could not be found.");
            case AttachmentNotFound e -> CinderFault.attachmentNotFound(e.idOrMarker());
            case VolumeTypeNotFound e -> CinderFault.notFound(e.byName()
                    ? "Volume type with name " + e.nameOrId() + " could not be found."
                    : "Volume type " + e.nameOrId() + " could not be found.");
            case NoFreeRawDevice e -> CinderFault.invalidInput("No raw device is free for a volume of type " + e.typeName() + ".");
            case VolumeNotDeletable e -> CinderFault.badRequest(DELETE_REFUSED);
            case VolumeNotReservable e -> CinderFault.badRequest("Invalid volume: Volume " + e.volumeId() + " status must be "
                    + (e.multiattach() ? "available or in-use or downloading" : "available or downloading")
                    + " to reserve, but the current status is " + e.status() + ".");
            case VolumeInErrorState e when e.step() == AttachStep.RESERVE -> CinderFault.badRequest("Invalid volume: Volume attachments"
                    + " can not be created if the volume is in an error state. The Volume " + e.volumeId() + " currently has a status of: "
                    + e.status() + " ");
            case VolumeInErrorState e -> CinderFault.conflict("Volume attachments can not be updated if the volume is in an error state. "
                    + "The Volume " + e.volumeId() + " currently has a status of: " + e.status() + " ");
            case DuplicateConnector e -> CinderFault.conflict("duplicate connectors detected on volume " + e.volumeId());
            case AttachmentBeingDeleted e -> CinderFault.conflict("Attachment " + e.attachmentId() + " is being deleted.");
            case AttachmentNotConnected e -> CinderFault.conflict("Attachment " + e.attachmentId() + " is " + e.status()
                    + ", not connected: update it with a connector before completing it.");
            case InvalidConnector e -> CinderFault.invalidInput(e.reason());
            case InsufficientCapacity e -> new CinderFault(413, capacityMessage(e));
            case VolumeUnderMaintenance e -> CinderFault.badRequest("Invalid volume: The volume cannot be updated during maintenance.");
            case ReadonlyFlagRefused e -> CinderFault.badRequest("Invalid volume: Volume " + e.volumeId() + " status must be available"
                    + " to update readonly flag, but current status is: " + e.status() + ".");
            case MetadataChangeRefused e -> CinderFault.badRequest("Invalid volume: " + (e.deleting() ? "Deleting" : "Updating")
                    + " volume metadata is not allowed for volumes in " + e.status() + " status.");
            case VolumeMetadataNotFound e -> CinderFault.notFound("Volume " + e.volumeId() + " has no metadata with key " + e.key() + ".");
            // Cinder answers a failed If-Match with a bare 412 (VolumeMetadataResource does too); this is its envelope form.
            case MetadataChanged e -> new CinderFault(412, "The metadata of volume " + e.volumeId() + " changed since it was read.");
            case ExtendNotLarger e -> CinderFault.invalidInput("New size for extend must be greater than current size. (current: "
                    + e.currentGib() + ", extended: " + e.newGib() + ").");
            // Cinder formats the expected state as the dict it passed to conditional_update
            case VolumeNotExtendable e -> CinderFault.badRequest("Invalid volume: Volume " + e.volumeId() + " status must be "
                    + "'{'status': '" + e.expectedStatus() + "'}' to extend, currently " + e.status() + ".");
            // CapacityFilter's wording for a backend without thin provisioning (the device brings all the room there is)
            case RawDeviceTooSmall e -> new CinderFault(413, "Insufficient free space for volume creation on host mooring"
                    + " (requested / avail): " + e.requestedGib() + "/" + e.availableGib());
        };
    }

    /** Cinder's CapacityFilter wording, then the figures it was judged on. */
    private static String capacityMessage(InsufficientCapacity e) {
        String refusal = switch (e.shortfall()) {
            case NO_FREE_SPACE -> String.format(Locale.ROOT,
                    "Insufficient free space for volume creation. Total capacity is %.2f on host mooring", e.capacityGib());
            case OVERSUBSCRIBED -> String.format(Locale.ROOT,
                    "Insufficient free space for thin provisioning. The ratio of provisioned capacity over total capacity %.2f"
                            + " has exceeded the maximum over subscription ratio %.2f on host mooring", e.provisionedRatio(), e.maxOvercommit());
            case NO_VIRTUAL_SPACE -> String.format(Locale.ROOT,
                    "Insufficient free virtual space (%.2fGB) to accommodate thin provisioned %dGB volume on host mooring",
                    e.virtualFreeGib(), e.requestedGib());
        };
        return refusal + String.format(Locale.ROOT, " (requested %dG, provisioned %dG, capacity %.2fG, free %.2fG of which %.2fG"
                + " are kept free by mooring.space.min-free).", e.requestedGib(), e.provisionedGib(), e.capacityGib(),
                e.freeGib(), e.keptFreeGib());
    }
}
