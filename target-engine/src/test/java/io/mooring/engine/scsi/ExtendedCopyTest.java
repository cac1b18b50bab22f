package io.mooring.engine.scsi;

import static io.mooring.engine.scsi.ScsiFixture.BLOCK;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_A;
import static io.mooring.engine.scsi.ScsiFixture.cdb10;
import static io.mooring.engine.scsi.ScsiFixture.filled;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.scsi.bdev.FileBackend;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EXTENDED COPY within one LU, and the refusal to reach any other LU. */
class ExtendedCopyTest {

    @TempDir
    Path dir;
    ScsiFixture scsi;

    @BeforeEach
    void setUp() throws Exception {
        scsi = new ScsiFixture(dir, 4096);
        scsi.clearUnitAttention(NEXUS_A);
    }

    @AfterEach
    void tearDown() {
        scsi.close();
    }

    /** The LU's NAA designator, as VPD 83h reports it. */
    private byte[] naa(long lun) {
        byte[] page = scsi.run(NEXUS_A, lun, false, null, 0x12, 1, 0x83, 0, 255, 0).data();
        return Arrays.copyOfRange(page, 8, 24);
    }

    private static byte[] copyList(int listId, int listIdUsage, byte[] naa, long source, long destination, int blocks) {
        ByteBuffer list = ByteBuffer.allocate(16 + 32 + 28);
        list.put(0, (byte) listId).put(1, (byte) (listIdUsage << 3)).putShort(2, (short) 32).putInt(8, 28);
        list.put(16, (byte) 0xe4).put(20, (byte) 0x01).put(21, (byte) 0x03).put(23, (byte) 16);
        list.put(24, naa);
        list.put(16 + 29, (byte) 0).putShort(16 + 30, (short) BLOCK);
        int segment = 48;
        list.put(segment, (byte) 0x02).putShort(segment + 2, (short) 24);
        list.putShort(segment + 10, (short) blocks).putLong(segment + 12, source).putLong(segment + 20, destination);
        return list.array();
    }

    private ScsiFixture.Result extendedCopy(long lun, boolean writeProtected, byte[] list) {
        return scsi.run(NEXUS_A, lun, writeProtected, list, 0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, list.length, 0, 0);
    }

    @Test
    void copiesBlocksWithinTheLuAndReportsCopyStatus() {
        scsi.run(NEXUS_A, filled(64 * BLOCK, 0x3c), cdb10(0x2a, 0, 0, 64));
        assertThat(extendedCopy(0, false, copyList(7, 0, naa(0), 0, 1000, 64)).status()).isZero();
        assertThat(scsi.run(cdb10(0x28, 0, 1000, 64)).data()).isEqualTo(filled(64 * BLOCK, 0x3c));

        byte[] status = scsi.run(0x84, 0x00, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0).data();
        assertThat(status[4]).as("completed without errors").isEqualTo((byte) 0x01);
        assertThat(ByteBuffer.wrap(status).getShort(5)).as("segments").isEqualTo((short) 1);
        assertThat(ByteBuffer.wrap(status).getInt(8)).as("bytes").isEqualTo(64 * BLOCK);
        assertThat(scsi.run(0x84, 0x00, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0).sense())
                .as("unknown list id").containsExactly(0x5, 0x24, 0x00);
    }

    @Test
    void overlappingCopyBehavesLikeMemmove() {
        byte[] pattern = new byte[8 * BLOCK];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i / BLOCK + 1);
        }
        scsi.run(NEXUS_A, pattern, cdb10(0x2a, 0, 0, 8));
        assertThat(extendedCopy(0, false, copyList(1, 3, naa(0), 0, 2, 8)).status()).isZero();
        assertThat(scsi.run(cdb10(0x28, 0, 2, 8)).data()).isEqualTo(pattern);
    }

    @Test
    void anotherLuCannotBeNamedAndWriteProtectionHolds() throws Exception {
        Path other = dir.resolve("other.img");
        try (RandomAccessFile raf = new RandomAccessFile(other.toFile(), "rw")) {
            raf.setLength(64 * BLOCK);
        }
        scsi.device.map(1, "vol-other", FileBackend.open(other, false));
        scsi.run(NEXUS_A, 1, false, null, 0x00);
        assertThat(scsi.run(0x00).sense()).as("LUN 0 learns of LUN 1").containsExactly(0x6, 0x3f, 0x0e);
        ScsiFixture.Result foreign = extendedCopy(0, false, copyList(1, 3, naa(1), 0, 8, 1));
        assertThat(foreign.sense()).containsExactly(0xa, 0x0d, 0x02);
        assertThat(extendedCopy(0, true, copyList(1, 3, naa(0), 0, 8, 1)).sense()).containsExactly(0x7, 0x27, 0x00);
        assertThat(extendedCopy(0, false, copyList(1, 3, naa(0), 4090, 8, 16)).sense())
                .as("segment beyond the end").containsExactly(0xa, 0x00, 0x00);
    }
}
