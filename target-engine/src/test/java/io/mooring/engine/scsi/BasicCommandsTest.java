package io.mooring.engine.scsi;

import static io.mooring.engine.scsi.ScsiFixture.BLOCK;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_A;
import static io.mooring.engine.scsi.ScsiFixture.cdb10;
import static io.mooring.engine.scsi.ScsiFixture.cdb16;
import static io.mooring.engine.scsi.ScsiFixture.filled;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BasicCommandsTest {

    private static final int[] LBA_OUT_OF_RANGE = {0x5, 0x21, 0x00};
    private static final int[] INVALID_FIELD_IN_CDB = {0x5, 0x24, 0x00};

    @TempDir
    Path dir;
    ScsiFixture scsi;

    @BeforeEach
    void setUp() throws Exception {
        scsi = new ScsiFixture(dir, 2048);
        scsi.clearUnitAttention(NEXUS_A);
    }

    @AfterEach
    void tearDown() {
        scsi.close();
    }

    @Test
    void firstCommandOfANexusReportsPowerOnThenTestUnitReadyIsGood() {
        assertThat(scsi.run(0x00).status()).isEqualTo(ScsiResponse.GOOD);
    }

    @Test
    void unknownOpcodeIsInvalidCommandOperationCode() {
        ScsiFixture.Result r = scsi.run(0xc9);
        assertThat(r.status()).isEqualTo(ScsiResponse.CHECK_CONDITION);
        assertThat(r.sense()).containsExactly(0x5, 0x20, 0x00);
        assertThat(r.senseBytes()).hasSize(18);
        assertThat(r.senseBytes()[0] & 0xff).isEqualTo(0x70);
    }

    @Test
    void standardInquiryTruncatesToAllocationLength() {
        ScsiFixture.Result full = scsi.run(0x12, 0, 0, 0, 255, 0);
        assertThat(full.data()).hasSize(66);
        assertThat(full.data()[0]).isEqualTo((byte) 0x00);
        assertThat(new String(full.data(), 8, 8, StandardCharsets.US_ASCII)).isEqualTo("MOORING ");
        ScsiFixture.Result cut = scsi.run(0x12, 0, 0, 0, 5, 0);
        assertThat(cut.data()).containsExactly(java.util.Arrays.copyOf(full.data(), 5));
    }

    @Test
    void inquiryOnUnmappedLunHasQualifierNotConnectedAndOtherCommandsAreRefused() {
        ScsiFixture.Result inquiry = scsi.run(NEXUS_A, 7, false, null, 0x12, 0, 0, 0, 96, 0);
        assertThat(inquiry.data()[0] & 0xff).isEqualTo(0x7f);
        assertThat(scsi.run(NEXUS_A, 7, false, null, 0x00).sense()).containsExactly(0x5, 0x25, 0x00);
    }

    @Test
    void vpdPagesListSerialAndStableNaaIdentifier() {
        ScsiFixture.Result supported = scsi.run(0x12, 1, 0x00, 0, 255, 0);
        assertThat(supported.data()).startsWith(0, 0, 0, 7, 0x00, (byte) 0x80, (byte) 0x83, (byte) 0x8f, (byte) 0xb0,
                (byte) 0xb1, (byte) 0xb2);
        ScsiFixture.Result serial = scsi.run(0x12, 1, 0x80, 0, 255, 0);
        assertThat(serial.data()[1] & 0xff).isEqualTo(0x80);
        ScsiFixture.Result ids = scsi.run(0x12, 1, 0x83, 0, 255, 0);
        assertThat(ids.data()[4]).isEqualTo((byte) 0x01);          // binary code set
        assertThat(ids.data()[5]).isEqualTo((byte) 0x03);          // NAA, associated with the LU
        assertThat(ids.data()[7]).isEqualTo((byte) 16);
        assertThat(ids.data()[8] & 0xf0).isEqualTo(0x60);         // NAA 6
        ScsiFixture.Result again = scsi.run(0x12, 1, 0x83, 0, 255, 0);
        assertThat(again.data()).isEqualTo(ids.data());
        assertThat(scsi.run(0x12, 1, 0x99, 0, 255, 0).sense()).containsExactly(INVALID_FIELD_IN_CDB);
    }

    @Test
    void readCapacityReportsLastLbaAndThinProvisioning() {
        ScsiFixture.Result rc10 = scsi.run(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(rc10.data()).containsExactly(0, 0, 0x07, (byte) 0xff, 0, 0, 0x02, 0);
        ScsiFixture.Result rc16 = scsi.run(0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
        assertThat(rc16.data()).hasSize(32);
        assertThat(rc16.data()[7] & 0xff).isEqualTo(0xff);
        assertThat(rc16.data()[14] & 0xff).isEqualTo(0xc0);
    }

    @Test
    void writeThenReadBackByteExact() {
        byte[] data = filled(2 * BLOCK, 0xab);
        assertThat(scsi.run(NEXUS_A, data, cdb10(0x2a, 0, 100, 2)).status()).isEqualTo(ScsiResponse.GOOD);
        assertThat(scsi.run(cdb10(0x28, 0, 100, 2)).data()).isEqualTo(data);
        assertThat(scsi.run(cdb16(0x88, 0, 100, 2)).data()).isEqualTo(data);
        assertThat(scsi.device.counters(0).bytesWritten()).isEqualTo(2 * BLOCK);
        assertThat(scsi.device.counters(0).bytesRead()).isEqualTo(4 * BLOCK);
    }

    @Test
    void orWriteOrsTheDataIntoTheMedium() {
        scsi.run(NEXUS_A, filled(256 * BLOCK, 0xa5), cdb10(0x2a, 0, 0, 256));
        assertThat(scsi.run(NEXUS_A, filled(256 * BLOCK, 0x5a), cdb16(0x8b, 0, 0, 256)).status()).isZero();
        assertThat(scsi.run(cdb10(0x28, 0, 0, 256)).data()).isEqualTo(filled(256 * BLOCK, 0xff));
    }

    @Test
    void outOfRangeIncludingSixtyFourBitOverflowIsLbaOutOfRange() {
        assertThat(scsi.run(cdb10(0x28, 0, 2047, 2)).sense()).containsExactly(LBA_OUT_OF_RANGE);
        assertThat(scsi.run(cdb10(0x28, 0, 2049, 0)).sense()).containsExactly(LBA_OUT_OF_RANGE);
        assertThat(scsi.run(cdb10(0x28, 0, 2048, 0)).status()).isEqualTo(ScsiResponse.GOOD);
        assertThat(scsi.run(cdb16(0x88, 0, -1L, 1)).sense()).containsExactly(LBA_OUT_OF_RANGE);
        assertThat(scsi.run(cdb16(0x88, 0, Long.MAX_VALUE, 2)).sense()).containsExactly(LBA_OUT_OF_RANGE);
        assertThat(scsi.run(NEXUS_A, filled(BLOCK, 1), cdb16(0x8a, 0, 0xffff_ffff_ffff_fffeL, 4)).sense())
                .containsExactly(LBA_OUT_OF_RANGE);
    }

    @Test
    void writesOnAWriteProtectedSessionAreDataProtect() {
        ScsiFixture.Result r = scsi.run(NEXUS_A, 0, true, filled(BLOCK, 1), cdb10(0x2a, 0, 0, 1));
        assertThat(r.status()).isEqualTo(ScsiResponse.CHECK_CONDITION);
        assertThat(r.sense()).containsExactly(0x7, 0x27, 0x00);
        assertThat(scsi.run(NEXUS_A, 0, true, null, cdb10(0x28, 0, 0, 1)).status()).isEqualTo(ScsiResponse.GOOD);
    }

    @Test
    void reportLunsListsMappedLuns() {
        ScsiFixture.Result r = scsi.run(0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0);
        assertThat(r.data()).containsExactly(0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void requestSenseReturnsPendingUnitAttentionOnce() {
        ScsiFixture.Result first = scsi.run(ScsiFixture.NEXUS_B, null, 0x03, 0, 0, 0, 18, 0);
        assertThat(first.status()).isEqualTo(ScsiResponse.GOOD);
        assertThat(first.data()[2]).isEqualTo((byte) 0x06);
        assertThat(first.data()[12]).isEqualTo((byte) 0x29);
        ScsiFixture.Result second = scsi.run(ScsiFixture.NEXUS_B, null, 0x03, 0, 0, 0, 18, 0);
        assertThat(second.data()[2]).isEqualTo((byte) 0x00);
    }

    @Test
    void modeSenseReportsWriteCacheEnabledHonestly() {
        ScsiFixture.Result r = scsi.run(0x1a, 0x08, 0x08, 0, 255, 0);
        assertThat(r.data()[0] & 0xff).isEqualTo(r.data().length - 1);
        assertThat(r.data()[4]).isEqualTo((byte) 0x08);
        assertThat(r.data()[6] & 0x04).isEqualTo(0x04);
        assertThat(scsi.run(0x1a, 0x08, 0xc8, 0, 255, 0).sense()).containsExactly(0x5, 0x39, 0x00);
    }
}
