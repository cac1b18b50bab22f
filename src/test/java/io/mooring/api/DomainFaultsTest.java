package io.mooring.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.domain.DomainError;
import io.mooring.domain.DomainError.AttachStep;
import io.mooring.domain.DomainError.AttachmentBeingDeleted;
import io.mooring.domain.DomainError.AttachmentNotConnected;
import io.mooring.domain.DomainError.AttachmentNotFound;
import io.mooring.domain.DomainError.DuplicateConnector;
import io.mooring.domain.DomainError.ExtendNotLarger;
import io.mooring.domain.DomainError.InvalidConnector;
import io.mooring.domain.DomainError.MarkerNotFound;
import io.mooring.domain.DomainError.NoFreeRawDevice;
import io.mooring.domain.DomainError.RawDeviceTooSmall;
import io.mooring.domain.DomainError.VolumeInErrorState;
import io.mooring.domain.DomainError.VolumeNotDeletable;
import io.mooring.domain.DomainError.VolumeNotExtendable;
import io.mooring.domain.DomainError.VolumeNotFound;
import io.mooring.domain.DomainError.VolumeNotReservable;
import io.mooring.domain.DomainError.VolumeTypeNotFound;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Each domain error as Cinder answers it, word for word (the texts the services wrote before they stopped knowing HTTP).
 * The API tests reach most of them through requests; this pins every one, the ones only a race reaches included. Capacity
 * refusals are pinned by {@code SpaceAdmissionTest}.
 */
class DomainFaultsTest {

    private static final UUID VOLUME = UUID.fromString("0b6c5f9e-3c8a-4b39-9f0e-5d9e6b2a1c11");
    private static final UUID ATTACHMENT = UUID.fromString("6f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b");

    @Test
    void extend() {
        assertFault(new ExtendNotLarger(2, 1), 400,
                "Invalid input received: New size for extend must be greater than current size. (current: 2, extended: 1).");
        assertFault(new VolumeNotExtendable(VOLUME, "in-use", "extending"), 400,
                "Invalid volume: Volume " + VOLUME + " status must be '{'status': 'in-use'}' to extend, currently extending.");
        assertFault(new RawDeviceTooSmall(3, 1), 413,
                "Insufficient free space for volume creation on host mooring (requested / avail): 3/1");
    }

    @Test
    void notFound() {
        assertFault(new VolumeNotFound(VOLUME), 404, "Volume " + VOLUME + " could not be found.");
        assertFault(new MarkerNotFound("m1"), 404, "Marker m1 could not be found.");
        assertFault(new AttachmentNotFound(ATTACHMENT), 404,
                "Volume attachment could not be found with filter: attachment_id = " + ATTACHMENT + ".");
        assertFault(new VolumeTypeNotFound("gold", true), 404, "Volume type with name gold could not be found.");
        assertFault(new VolumeTypeNotFound(VOLUME.toString(), false), 404, "Volume type " + VOLUME + " could not be found.");
    }

    @Test
    void refusedRequests() {
        assertFault(new NoFreeRawDevice("raw"), 400, "Invalid input received: No raw device is free for a volume of type raw.");
        assertFault(new InvalidConnector("Connector keys are at most 255 characters long."), 400,
                "Invalid input received: Connector keys are at most 255 characters long.");
        assertFault(new VolumeNotDeletable(VOLUME), 400, "Invalid volume: Volume status must be available or error or error_restoring"
                + " or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots,"
                + " awaiting a transfer, or be disassociated from snapshots after volume transfer.");
        assertFault(new VolumeNotReservable(VOLUME, "in-use", false), 400, "Invalid volume: Volume " + VOLUME
                + " status must be available or downloading to reserve, but the current status is in-use.");
        assertFault(new VolumeNotReservable(VOLUME, "creating", true), 400, "Invalid volume: Volume " + VOLUME
                + " status must be available or in-use or downloading to reserve, but the current status is creating.");
        assertFault(new VolumeInErrorState(VOLUME, "error", AttachStep.RESERVE), 400, "Invalid volume: Volume attachments can not be"
                + " created if the volume is in an error state. The Volume " + VOLUME + " currently has a status of: error ");
    }

    @Test
    void conflicts() {
        assertFault(new VolumeInErrorState(VOLUME, "error_extending", AttachStep.CONNECT), 409, "Resource conflict: Volume attachments"
                + " can not be updated if the volume is in an error state. The Volume " + VOLUME + " currently has a status of: error_extending ");
        assertFault(new DuplicateConnector(VOLUME), 409, "Resource conflict: duplicate connectors detected on volume " + VOLUME);
        assertFault(new AttachmentBeingDeleted(ATTACHMENT), 409, "Resource conflict: Attachment " + ATTACHMENT + " is being deleted.");
        assertFault(new AttachmentNotConnected(ATTACHMENT, "reserved"), 409, "Resource conflict: Attachment " + ATTACHMENT
                + " is reserved, not connected: update it with a connector before completing it.");
    }

    private static void assertFault(DomainError error, int status, String message) {
        CinderFault fault = DomainFaults.of(error);
        assertThat(fault.status()).isEqualTo(status);
        assertThat(fault.getMessage()).isEqualTo(message);
    }
}
