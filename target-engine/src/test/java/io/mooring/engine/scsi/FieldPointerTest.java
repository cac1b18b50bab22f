package io.mooring.engine.scsi;

import static io.mooring.engine.scsi.ScsiFixture.BLOCK;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_A;
import static io.mooring.engine.scsi.ScsiFixture.cdb10;
import static io.mooring.engine.scsi.ScsiFixture.cdb16;
import static io.mooring.engine.scsi.ScsiFixture.filled;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rejected fields carry the sense-key specific field pointer (SPC-4 4.5.2.4.2): fixed sense bytes 15-17 hold SKSV,
 * C/D (1: CDB, 0: parameter list), BPV with the bit pointer, and the byte.
 */
class FieldPointerTest {

    @TempDir
    Path dir;
    ScsiFixture scsi;

    @BeforeEach
    void setUp() throws Exception {
        scsi = new ScsiFixture(dir, 32768);  // sparse 16 MiB: room for a too-long transfer
        scsi.clearUnitAttention(NEXUS_A);
    }

    @AfterEach
    void tearDown() {
        scsi.close();
    }

    @Test
    void inquiryWithCmdDtIsTheWholeFixedSenseWithAPointerToByte1Bit1() {
        assertThat(scsi.run(0x12, 0x02, 0, 0, 36, 0).senseBytes()).containsExactly(
                0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0x00, 0, 0xc9, 0x00, 0x01);
    }

    @Test
    void unsupportedVpdPagePointsAtThePageCodeByte() {
        assertThat(pointer(scsi.run(0x12, 0x01, 0x99, 0, 255, 0))).containsExactly(0xc0, 0x00, 0x02);
    }

    @Test
    void reportSupportedOpcodesWithTheWrongReportingOptionsPointsAtThemNotAtTheServiceAction() {
        // libiscsi reads INVALID FIELD IN CDB of MAINTENANCE IN without a pointer, or pointing at byte 1, as
        // "REPORT SUPPORTED OPERATION CODES is not implemented"
        ScsiFixture.Result oneOpcodeOfServiceActionIn = scsi.run(0xa3, 0x0c, 0x01, 0x9e, 0, 0, 0, 0, 1, 0, 0, 0);
        assertThat(oneOpcodeOfServiceActionIn.sense()).containsExactly(0x5, 0x24, 0x00);
        assertThat(pointer(oneOpcodeOfServiceActionIn)).containsExactly(0xca, 0x00, 0x02);
        assertThat(pointer(scsi.run(0xa3, 0x0c, 0x02, 0x28, 0, 0, 0, 0, 1, 0, 0, 0))).containsExactly(0xca, 0x00, 0x02);
        assertThat(pointer(scsi.run(0xa3, 0x0c, 0x07, 0, 0, 0, 0, 0, 1, 0, 0, 0))).containsExactly(0xca, 0x00, 0x02);
    }

    @Test
    void unsupportedServiceActionPointsAtTheServiceActionField() {
        ScsiFixture.Result r = scsi.run(0x9e, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
        assertThat(r.sense()).containsExactly(0x5, 0x24, 0x00);
        assertThat(pointer(r)).containsExactly(0xcc, 0x00, 0x01);
    }

    @Test
    void protectionInformationRequestPointsAtRdprotect() {
        assertThat(pointer(scsi.run(cdb10(0x28, 0x20, 0, 1)))).containsExactly(0xcf, 0x00, 0x01);
    }

    @Test
    void tooLongTransferPointsAtTheTransferLengthOfEachCdbSize() {
        int tooMany = (8 << 20) / BLOCK + 1;
        assertThat(pointer(scsi.run(cdb10(0x28, 0, 0, tooMany)))).containsExactly(0xc0, 0x00, 0x07);
        assertThat(pointer(scsi.run(0xa8, 0, 0, 0, 0, 0, 0, 0, tooMany >>> 8, tooMany & 0xff, 0, 0)))
                .containsExactly(0xc0, 0x00, 0x06);
        assertThat(pointer(scsi.run(cdb16(0x88, 0, 0, tooMany)))).containsExactly(0xc0, 0x00, 0x0a);
        assertThat(pointer(scsi.run(cdb10(0x2f, 0, 0, tooMany)))).as("VERIFY(10)").containsExactly(0xc0, 0x00, 0x07);
    }

    @Test
    void modeSelectOfANonChangeableBitPointsAtThatBitOfTheParameterList() {
        byte[] modeSelect = new byte[4 + 12];
        modeSelect[4] = 0x0a;
        modeSelect[5] = 0x0a;
        modeSelect[6] = 0x04;                      // control page byte 2 bit 2: D_SENSE, not changeable
        ScsiFixture.Result r = scsi.run(NEXUS_A, modeSelect, 0x15, 0x10, 0, 0, modeSelect.length, 0);
        assertThat(r.sense()).containsExactly(0x5, 0x26, 0x00);
        assertThat(pointer(r)).as("C/D=0: parameter list").containsExactly(0x8a, 0x00, 0x06);
    }

    @Test
    void tooManyUnmapDescriptorsPointsAtTheDescriptorDataLength() {
        int descriptors = 65;
        byte[] list = new byte[8 + 16 * descriptors];
        ByteBuffer.wrap(list).putShort(0, (short) (list.length - 2)).putShort(2, (short) (16 * descriptors));
        ScsiFixture.Result r = scsi.run(NEXUS_A, list, 0x42, 0, 0, 0, 0, 0, 0, list.length >>> 8, list.length & 0xff, 0);
        assertThat(r.sense()).containsExactly(0x5, 0x26, 0x00);
        assertThat(pointer(r)).containsExactly(0x80, 0x00, 0x02);
    }

    @Test
    void unsupportedPersistentReserveOutFlagPointsAtItsBit() {
        byte[] list = new byte[24];
        ByteBuffer.wrap(list).putLong(8, 0x1234);
        list[20] = 0x08;                          // SPEC_I_PT
        ScsiFixture.Result r = scsi.run(NEXUS_A, list, 0x5f, 0x00, 0, 0, 0, 0, 0, 0, 24, 0);
        assertThat(r.sense()).containsExactly(0x5, 0x26, 0x00);
        assertThat(pointer(r)).containsExactly(0x8b, 0x00, 0x14);
    }

    @Test
    void writeSameWithAnchorPointsAtTheAnchorBit() {
        assertThat(pointer(scsi.run(NEXUS_A, filled(BLOCK, 0), cdb16(0x93, 0x10, 0, 1))))
                .containsExactly(0xcc, 0x00, 0x01);
    }

    private static int[] pointer(ScsiFixture.Result r) {
        assertThat(r.status()).isEqualTo(ScsiResponse.CHECK_CONDITION);
        byte[] sense = r.senseBytes();
        assertThat(sense).hasSize(18);
        return new int[] {sense[15] & 0xff, sense[16] & 0xff, sense[17] & 0xff};
    }
}
