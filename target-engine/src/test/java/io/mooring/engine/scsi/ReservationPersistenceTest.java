package io.mooring.engine.scsi;

import static io.mooring.engine.scsi.ScsiFixture.BLOCK;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_A;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_B;
import static io.mooring.engine.scsi.ScsiFixture.cdb10;
import static io.mooring.engine.scsi.ScsiFixture.filled;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.scsi.bdev.FileBackend;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** APTPL: persistent reservations survive a restart of the device when a state directory is configured. */
class ReservationPersistenceTest {

    private static final int APTPL = 0x01;

    @TempDir
    Path dir;

    private ScsiDevice start(Path stateDir) throws Exception {
        Path image = dir.resolve("lun.img");
        if (!Files.exists(image)) {
            try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
                raf.setLength(256 * BLOCK);
            }
        }
        ScsiDevice device = new ScsiDevice(stateDir);
        device.map(0, "vol-pr", FileBackend.open(image, false));
        return device;
    }

    private static ScsiFixture.Result run(ScsiDevice device, ItNexus nexus, byte[] dataOut, int... cdb) {
        ScsiFixture fixture = new ScsiFixture(device);
        return fixture.run(nexus, dataOut, cdb);
    }

    private static int prout(ScsiDevice device, ItNexus nexus, int action, int type, long key, long saKey, int flags) {
        byte[] list = new byte[24];
        ByteBuffer.wrap(list).putLong(0, key).putLong(8, saKey);
        list[20] = (byte) flags;
        ScsiFixture.Result r = run(device, nexus, list, 0x5f, action, type, 0, 0, 0, 0, 0, 24, 0);
        return r.status() == ScsiResponse.CHECK_CONDITION && r.sense()[0] == 0x6
                ? run(device, nexus, list, 0x5f, action, type, 0, 0, 0, 0, 0, 24, 0).status() : r.status();
    }

    @Test
    void aptplIsRefusedWithoutAStateDirectory() throws Exception {
        ScsiDevice device = start(null);
        try {
            run(device, NEXUS_A, null, 0x00);
            byte[] list = new byte[24];
            ByteBuffer.wrap(list).putLong(8, 0xaa);
            list[20] = APTPL;
            assertThat(run(device, NEXUS_A, list, 0x5f, 0, 0, 0, 0, 0, 0, 0, 24, 0).sense())
                    .containsExactly(0x5, 0x26, 0x00);
        } finally {
            device.close();
        }
    }

    @Test
    void registrationsAndReservationSurviveARestart() throws Exception {
        Path stateDir = Files.createDirectory(dir.resolve("state"));
        ScsiDevice first = start(stateDir);
        assertThat(prout(first, NEXUS_A, 0x00, 0, 0, 0xaa, APTPL)).isZero();
        assertThat(prout(first, NEXUS_B, 0x00, 0, 0, 0xbb, APTPL)).isZero();
        assertThat(prout(first, NEXUS_A, 0x01, 0x1, 0xaa, 0, 0)).isZero();
        first.close();

        ScsiDevice second = start(stateDir);
        try {
            run(second, NEXUS_A, null, 0x00);
            run(second, NEXUS_B, null, 0x00);
            byte[] keys = run(second, NEXUS_B, null, 0x5e, 0x00, 0, 0, 0, 0, 0, 0x10, 0, 0).data();
            assertThat(ByteBuffer.wrap(keys).getInt(4)).isEqualTo(16);
            byte[] reservation = run(second, NEXUS_B, null, 0x5e, 0x01, 0, 0, 0, 0, 0, 0x10, 0, 0).data();
            assertThat(ByteBuffer.wrap(reservation).getLong(8)).isEqualTo(0xaa);
            assertThat(run(second, NEXUS_B, filled(BLOCK, 1), cdb10(0x2a, 0, 0, 1)).status())
                    .isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
            assertThat(run(second, NEXUS_A, filled(BLOCK, 1), cdb10(0x2a, 0, 0, 1)).status()).isZero();
            byte[] capabilities = run(second, NEXUS_A, null, 0x5e, 0x02, 0, 0, 0, 0, 0, 0x10, 0, 0).data();
            assertThat(capabilities[2] & 0x01).as("PTPL_C").isEqualTo(1);
            assertThat(capabilities[3] & 0x01).as("PTPL_A").isEqualTo(1);

            assertThat(prout(second, NEXUS_A, 0x03, 0, 0xaa, 0, 0)).as("CLEAR").isZero();
            assertThat(stateDir).isEmptyDirectory();
        } finally {
            second.close();
        }
    }
}
