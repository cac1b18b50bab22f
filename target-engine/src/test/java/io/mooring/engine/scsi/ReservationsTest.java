package io.mooring.engine.scsi;

import static io.mooring.engine.scsi.ScsiFixture.BLOCK;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_A;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_B;
import static io.mooring.engine.scsi.ScsiFixture.cdb10;
import static io.mooring.engine.scsi.ScsiFixture.filled;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReservationsTest {

    private static final int REGISTER = 0x00;
    private static final int RESERVE = 0x01;
    private static final int RELEASE = 0x02;
    private static final int CLEAR = 0x03;
    private static final int PREEMPT = 0x04;
    private static final int REGISTER_AND_IGNORE = 0x06;
    private static final int EXCLUSIVE_ACCESS = 0x3;
    private static final int WRITE_EXCLUSIVE = 0x1;
    private static final int WRITE_EXCLUSIVE_ALL_REGISTRANTS = 0x7;

    @TempDir
    Path dir;
    ScsiFixture scsi;

    @BeforeEach
    void setUp() throws Exception {
        scsi = new ScsiFixture(dir, 1024);
        scsi.clearUnitAttention(NEXUS_A);
        scsi.clearUnitAttention(NEXUS_B);
    }

    @AfterEach
    void tearDown() {
        scsi.close();
    }

    private int prout(ItNexus nexus, int action, int type, long key, long serviceActionKey) {
        byte[] list = new byte[24];
        ByteBuffer.wrap(list).putLong(0, key).putLong(8, serviceActionKey);
        return scsi.run(nexus, list, 0x5f, action, type, 0, 0, 0, 0, 0, 24, 0).status();
    }

    private byte[] prin(ItNexus nexus, int action) {
        return scsi.run(nexus, null, 0x5e, action, 0, 0, 0, 0, 0, 0x10, 0, 0).data();
    }

    private int read(ItNexus nexus) {
        return scsi.run(nexus, null, cdb10(0x28, 0, 0, 1)).status();
    }

    private int write(ItNexus nexus) {
        return scsi.run(nexus, filled(BLOCK, 1), cdb10(0x2a, 0, 0, 1)).status();
    }

    @Test
    void reserve6BlocksTheOtherNexusUntilReleased() {
        assertThat(scsi.run(NEXUS_A, null, 0x16, 0, 0, 0, 0, 0).status()).isZero();
        assertThat(scsi.run(NEXUS_B, null, 0x16, 0, 0, 0, 0, 0).status()).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
        assertThat(scsi.run(NEXUS_B, null, 0x1a, 0, 0x3f, 0, 255, 0).status())
                .isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
        assertThat(scsi.run(NEXUS_B, null, 0x12, 0, 0, 0, 36, 0).status()).isZero();
        assertThat(scsi.run(NEXUS_B, null, 0x17, 0, 0, 0, 0, 0).status()).as("release by non-holder is a no-op")
                .isZero();
        assertThat(read(NEXUS_B)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
        assertThat(scsi.run(NEXUS_A, null, 0x17, 0, 0, 0, 0, 0).status()).isZero();
        assertThat(read(NEXUS_B)).isZero();
    }

    @Test
    void holderLossReleasesTheSpc2Reservation() {
        scsi.run(NEXUS_A, null, 0x16, 0, 0, 0, 0, 0);
        scsi.device.nexusRemoved(NEXUS_A);
        assertThat(read(NEXUS_B)).isZero();
    }

    @Test
    void writeExclusiveLetsOthersReadButNotWrite() {
        assertThat(prout(NEXUS_A, REGISTER, 0, 0, 0xaa)).isZero();
        assertThat(prout(NEXUS_A, RESERVE, WRITE_EXCLUSIVE, 0xaa, 0)).isZero();
        assertThat(read(NEXUS_B)).isZero();
        assertThat(write(NEXUS_B)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
        assertThat(write(NEXUS_A)).isZero();
        byte[] reservation = prin(NEXUS_B, 0x01);
        assertThat(ByteBuffer.wrap(reservation).getInt(4)).isEqualTo(16);
        assertThat(ByteBuffer.wrap(reservation).getLong(8)).isEqualTo(0xaa);
        assertThat(reservation[21]).isEqualTo((byte) WRITE_EXCLUSIVE);
    }

    @Test
    void exclusiveAccessBlocksReadsOfUnregisteredNexus() {
        prout(NEXUS_A, REGISTER, 0, 0, 0xaa);
        prout(NEXUS_A, RESERVE, EXCLUSIVE_ACCESS, 0xaa, 0);
        assertThat(read(NEXUS_B)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
        assertThat(scsi.run(NEXUS_B, null, 0x00).status()).as("TEST UNIT READY is allowed").isZero();
    }

    @Test
    void registrationWithWrongKeyConflictsAndReadKeysListsRegistrants() {
        assertThat(prout(NEXUS_A, REGISTER, 0, 0, 0xaa)).isZero();
        assertThat(prout(NEXUS_A, REGISTER, 0, 0x99, 0xbb)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
        assertThat(prout(NEXUS_B, REGISTER_AND_IGNORE, 0, 0x1234, 0xbb)).isZero();
        ByteBuffer keys = ByteBuffer.wrap(prin(NEXUS_A, 0x00));
        assertThat(keys.getInt(0)).as("PRgeneration").isEqualTo(2);
        assertThat(keys.getInt(4)).isEqualTo(16);
        assertThat(java.util.List.of(keys.getLong(8), keys.getLong(16))).containsExactlyInAnyOrder(0xaaL, 0xbbL);
    }

    @Test
    void preemptRemovesTheHolderAndRaisesRegistrationsPreempted() {
        prout(NEXUS_A, REGISTER, 0, 0, 0xaa);
        prout(NEXUS_B, REGISTER, 0, 0, 0xbb);
        prout(NEXUS_A, RESERVE, EXCLUSIVE_ACCESS, 0xaa, 0);
        assertThat(prout(NEXUS_B, PREEMPT, EXCLUSIVE_ACCESS, 0xbb, 0xaa)).isZero();
        ScsiFixture.Result ua = scsi.run(NEXUS_A, null, 0x00);
        assertThat(ua.sense()).containsExactly(0x6, 0x2a, 0x05);
        assertThat(read(NEXUS_A)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
        assertThat(read(NEXUS_B)).isZero();
    }

    @Test
    void clearRaisesReservationsPreemptedForOthers() {
        prout(NEXUS_A, REGISTER, 0, 0, 0xaa);
        prout(NEXUS_B, REGISTER, 0, 0, 0xbb);
        prout(NEXUS_A, RESERVE, WRITE_EXCLUSIVE, 0xaa, 0);
        assertThat(prout(NEXUS_A, CLEAR, 0, 0xaa, 0)).isZero();
        assertThat(scsi.run(NEXUS_B, null, 0x00).sense()).containsExactly(0x6, 0x2a, 0x03);
        assertThat(ByteBuffer.wrap(prin(NEXUS_A, 0x00)).getInt(4)).isZero();
    }

    @Test
    void allRegistrantsReservationSurvivesTheReserverLeaving() {
        prout(NEXUS_A, REGISTER, 0, 0, 0xaa);
        prout(NEXUS_B, REGISTER, 0, 0, 0xbb);
        assertThat(prout(NEXUS_A, RESERVE, WRITE_EXCLUSIVE_ALL_REGISTRANTS, 0xaa, 0)).isZero();
        assertThat(write(NEXUS_B)).isZero();
        assertThat(prout(NEXUS_A, REGISTER, 0, 0xaa, 0)).isZero();
        byte[] reservation = prin(NEXUS_B, 0x01);
        assertThat(reservation[21]).isEqualTo((byte) WRITE_EXCLUSIVE_ALL_REGISTRANTS);
        assertThat(ByteBuffer.wrap(reservation).getLong(8)).as("AR types report key 0").isZero();
        assertThat(write(NEXUS_A)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
        assertThat(prout(NEXUS_B, RELEASE, WRITE_EXCLUSIVE_ALL_REGISTRANTS, 0xbb, 0)).isZero();
        assertThat(write(NEXUS_A)).isZero();
    }

    @Test
    void releaseWithWrongTypeIsInvalidRelease() {
        prout(NEXUS_A, REGISTER, 0, 0, 0xaa);
        prout(NEXUS_A, RESERVE, WRITE_EXCLUSIVE, 0xaa, 0);
        byte[] list = new byte[24];
        ByteBuffer.wrap(list).putLong(0, 0xaa);
        assertThat(scsi.run(NEXUS_A, list, 0x5f, RELEASE, EXCLUSIVE_ACCESS, 0, 0, 0, 0, 0, 24, 0).sense())
                .containsExactly(0x5, 0x26, 0x04);
    }

    @Test
    void readFullStatusNamesEveryRegistrantAndTheHolder() {
        prout(NEXUS_A, REGISTER, 0, 0, 0xaa);
        prout(NEXUS_B, REGISTER, 0, 0, 0xbb);
        prout(NEXUS_A, RESERVE, WRITE_EXCLUSIVE, 0xaa, 0);
        ByteBuffer status = ByteBuffer.wrap(prin(NEXUS_B, 0x03));
        int length = status.getInt(4);
        int holders = 0;
        int descriptors = 0;
        for (int at = 8; at < 8 + length; at += 24 + status.getInt(at + 20)) {
            descriptors++;
            if ((status.get(at + 12) & 0x01) != 0) {
                holders++;
                assertThat(status.getLong(at)).isEqualTo(0xaa);
                assertThat(status.get(at + 13)).isEqualTo((byte) WRITE_EXCLUSIVE);
                String transportId = new String(status.array(), at + 28, status.getShort(at + 26),
                        java.nio.charset.StandardCharsets.UTF_8).trim();
                assertThat(transportId).startsWith(NEXUS_A.initiatorPortName());
            }
        }
        assertThat(descriptors).isEqualTo(2);
        assertThat(holders).isEqualTo(1);
    }

    @Test
    void capabilitiesWithoutAStateDirectoryDoNotOfferPersistThroughPowerLoss() {
        byte[] capabilities = prin(NEXUS_A, 0x02);
        assertThat(capabilities[2] & 0x01).as("PTPL_C").isZero();
        assertThat(capabilities[4] & 0xff).as("WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX").isEqualTo(0xea);
        assertThat(capabilities[5]).as("EX_AC_AR").isEqualTo((byte) 0x01);
    }

    @Test
    void unsupportedPrinServiceActionIsInvalidField() {
        for (int sa = 4; sa < 0x20; sa++) {
            assertThat(scsi.run(NEXUS_A, null, 0x5e, sa, 0, 0, 0, 0, 0, 0x10, 0, 0).sense())
                    .containsExactly(0x5, 0x24, 0x00);
        }
    }
}
