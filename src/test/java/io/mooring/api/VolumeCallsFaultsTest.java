package io.mooring.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.domain.DomainError;
import io.mooring.domain.DomainError.MetadataChangeRefused;
import io.mooring.domain.DomainError.MetadataChanged;
import io.mooring.domain.DomainError.ReadonlyFlagRefused;
import io.mooring.domain.DomainError.VolumeMetadataNotFound;
import io.mooring.domain.DomainError.VolumeUnderMaintenance;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The volume calls' domain errors as Cinder words them (the requests in VolumeCallsTest reach each but the 412's envelope). */
class VolumeCallsFaultsTest {

    private static final UUID VOLUME = UUID.fromString("0b6c5f9e-3c8a-4b39-9f0e-5d9e6b2a1c11");

    @Test
    void volumeCallsFaults() {
        assertFault(new VolumeUnderMaintenance(VOLUME), 400, "Invalid volume: The volume cannot be updated during maintenance.");
        assertFault(new ReadonlyFlagRefused(VOLUME, "in-use"), 400, "Invalid volume: Volume " + VOLUME
                + " status must be available to update readonly flag, but current status is: in-use.");
        assertFault(new MetadataChangeRefused("uploading", false), 400,
                "Invalid volume: Updating volume metadata is not allowed for volumes in uploading status.");
        assertFault(new MetadataChangeRefused("maintenance", true), 400,
                "Invalid volume: Deleting volume metadata is not allowed for volumes in maintenance status.");
        assertFault(new VolumeMetadataNotFound(VOLUME, "k"), 404, "Volume " + VOLUME + " has no metadata with key k.");
        assertFault(new MetadataChanged(VOLUME), 412, "The metadata of volume " + VOLUME + " changed since it was read.");
    }

    private static void assertFault(DomainError error, int status, String message) {
        CinderFault fault = DomainFaults.of(error);
        assertThat(fault.status()).isEqualTo(status);
        assertThat(fault.getMessage()).isEqualTo(message);
    }
}
