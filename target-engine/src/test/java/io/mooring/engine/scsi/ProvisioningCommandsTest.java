package io.mooring.engine.scsi;

import static io.mooring.engine.scsi.ScsiFixture.BLOCK;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_A;
import static io.mooring.engine.scsi.ScsiFixture.cdb10;
import static io.mooring.engine.scsi.ScsiFixture.cdb16;
import static io.mooring.engine.scsi.ScsiFixture.filled;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvisioningCommandsTest {

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

    /** GET LBA STATUS from {@code lba}: descriptors as {lba, blocks, status}. */
    private long[][] lbaStatus(long lba) {
        int[] cdb = cdb16(0x9e, 0x12, lba, 0);
        cdb[13] = 0xff;
        byte[] d = scsi.run(cdb).data();
        ByteBuffer b = ByteBuffer.wrap(d);
        int count = (b.getInt(0) - 4) / 16;
        long[][] runs = new long[count][];
        for (int i = 0; i < count; i++) {
            int at = 8 + i * 16;
            runs[i] = new long[] {b.getLong(at), b.getInt(at + 8) & 0xffffffffL, d[at + 12] & 0x0f};
        }
        return runs;
    }

    @Test
    void unmapDeallocatesAndGetLbaStatusShowsIt() {
        assertThat(scsi.run(NEXUS_A, filled(24 * BLOCK, 0x5a), cdb10(0x2a, 0, 0, 24)).status()).isZero();
        assertThat(lbaStatus(0)[0]).containsExactly(0, 24, 0);
        assertThat(unmap(8, 8)).isZero();
        long[][] runs = lbaStatus(0);
        assertThat(runs[0]).containsExactly(0, 8, 0);
        assertThat(runs[1]).containsExactly(8, 8, 1);
        assertThat(runs[2]).containsExactly(16, 8, 0);
        assertThat(scsi.run(cdb10(0x28, 0, 8, 8)).data()).isEqualTo(new byte[8 * BLOCK]);
    }

    @Test
    void unmapOfLessThanAPhysicalBlockZeroesItButKeepsItMapped() {
        scsi.run(NEXUS_A, filled(8 * BLOCK, 0x5a), cdb10(0x2a, 0, 0, 8));
        assertThat(unmap(2, 4)).isZero();
        byte[] expected = filled(8 * BLOCK, 0x5a);
        Arrays.fill(expected, 2 * BLOCK, 6 * BLOCK, (byte) 0);
        assertThat(scsi.run(cdb10(0x28, 0, 0, 8)).data()).isEqualTo(expected);
        assertThat(lbaStatus(0)[0]).as("the 4 KiB block still holds data").containsExactly(0, 8, 0);
    }

    private int unmap(long lba, int blocks) {
        byte[] list = new byte[24];
        ByteBuffer.wrap(list).putShort(0, (short) 22).putShort(2, (short) 16).putLong(8, lba).putInt(16, blocks);
        return scsi.run(NEXUS_A, list, 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0).status();
    }

    @Test
    void getLbaStatusRunsCrossTheOneMebibyteScanChunks() {
        scsi.run(NEXUS_A, filled(256 * BLOCK, 0x77), cdb10(0x2a, 0, 1920, 256));
        long[][] runs = lbaStatus(0);
        assertThat(runs[0]).containsExactly(0, 1920, 1);
        assertThat(runs[1]).as("mapped across the block-2048 chunk boundary").containsExactly(1920, 256, 0);
        assertThat(runs[2]).containsExactly(2176, 4096 - 2176, 1);
        assertThat(runs.length).isEqualTo(3);
    }

    @Test
    void unmapBeyondTheEndChangesNothing() {
        scsi.run(NEXUS_A, filled(BLOCK, 0x5a), cdb10(0x2a, 0, 0, 1));
        byte[] list = new byte[40];
        ByteBuffer.wrap(list).putShort(0, (short) 38).putShort(2, (short) 32)
                .putLong(8, 0).putInt(16, 1).putLong(24, 4095).putInt(32, 2);
        ScsiFixture.Result r = scsi.run(NEXUS_A, list, 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0);
        assertThat(r.sense()).containsExactly(0x5, 0x21, 0x00);
        assertThat(scsi.run(cdb10(0x28, 0, 0, 1)).data()).isEqualTo(filled(BLOCK, 0x5a));
    }

    @Test
    void writeSameWithUnmapDeallocatesAndWithDataRepeatsTheBlock() {
        scsi.run(NEXUS_A, filled(32 * BLOCK, 0x11), cdb10(0x2a, 0, 0, 32));
        assertThat(scsi.run(NEXUS_A, new byte[BLOCK], cdb10(0x41, 0x08, 8, 8)).status()).isZero();
        assertThat(lbaStatus(8)[0]).containsExactly(8, 8, 1);
        byte[] pattern = filled(BLOCK, 0x77);
        assertThat(scsi.run(NEXUS_A, pattern, cdb16(0x93, 0, 100, 3)).status()).isZero();
        byte[] read = scsi.run(cdb10(0x28, 0, 100, 3)).data();
        assertThat(read).isEqualTo(filled(3 * BLOCK, 0x77));
    }

    @Test
    void writeSameWithWrongDataOutSizeIsRefused() {
        assertThat(scsi.run(NEXUS_A, new byte[BLOCK / 2], cdb10(0x41, 0x08, 0, 1)).sense())
                .containsExactly(0x5, 0x24, 0x00);
        assertThat(scsi.run(NEXUS_A, new byte[2 * BLOCK], cdb10(0x41, 0x08, 0, 1)).sense())
                .containsExactly(0x5, 0x24, 0x00);
    }

    @Test
    void getLbaStatusBeyondTheEndIsOutOfRange() {
        int[] cdb = cdb16(0x9e, 0x12, 4096, 0);
        cdb[13] = 24;
        assertThat(scsi.run(cdb).sense()).containsExactly(0x5, 0x21, 0x00);
    }

    @Test
    void compareAndWriteWritesOnMatchAndReportsMiscompareOffset() {
        scsi.run(NEXUS_A, filled(BLOCK, 0x01), cdb10(0x2a, 0, 10, 1));
        byte[] ok = new byte[2 * BLOCK];
        System.arraycopy(filled(BLOCK, 0x01), 0, ok, 0, BLOCK);
        System.arraycopy(filled(BLOCK, 0x02), 0, ok, BLOCK, BLOCK);
        int[] caw = cdb16(0x89, 0, 10, 0);
        caw[13] = 1;
        assertThat(scsi.run(NEXUS_A, ok, caw).status()).isZero();
        assertThat(scsi.run(cdb10(0x28, 0, 10, 1)).data()).isEqualTo(filled(BLOCK, 0x02));

        byte[] stale = ok.clone();
        stale[37] = 0x03;
        System.arraycopy(filled(37, 0x02), 0, stale, 0, 37);
        ScsiFixture.Result miscompare = scsi.run(NEXUS_A, stale, caw);
        assertThat(miscompare.status()).isEqualTo(ScsiResponse.CHECK_CONDITION);
        assertThat(miscompare.sense()).containsExactly(0xe, 0x1d, 0x00);
        assertThat(miscompare.senseBytes()[0] & 0x80).isEqualTo(0x80);
        assertThat(miscompare.information()).isEqualTo(37);
        assertThat(scsi.run(cdb10(0x28, 0, 10, 1)).data()).isEqualTo(filled(BLOCK, 0x02));
    }

    @Test
    void compareAndWriteIsAtomicAgainstConcurrentWriters() throws Exception {
        int rounds = 2000;
        int[] caw = cdb16(0x89, 0, 0, 0);
        caw[13] = 1;
        Thread writer = new Thread(() -> {
            for (int i = 0; i < rounds; i++) {
                scsi.run(NEXUS_A, filled(BLOCK, 0x00), cdb10(0x2a, 0, 0, 1));
            }
        });
        writer.start();
        byte[] swap = new byte[2 * BLOCK];
        System.arraycopy(filled(BLOCK, 0x42), 0, swap, BLOCK, BLOCK);
        for (int i = 0; i < rounds; i++) {
            ScsiFixture.Result r = scsi.run(NEXUS_A, swap, caw);
            if (r.status() == ScsiResponse.GOOD) {
                continue;
            }
            assertThat(r.sense()).containsExactly(0xe, 0x1d, 0x00);
            assertThat(r.information()).isZero();
        }
        writer.join();
        byte[] block = scsi.run(cdb10(0x28, 0, 0, 1)).data();
        assertThat(block).satisfiesAnyOf(b -> assertThat(b).isEqualTo(filled(BLOCK, 0)),
                b -> assertThat(b).isEqualTo(filled(BLOCK, 0x42)));
    }

    @Test
    void verifyWithByteCheckDetectsMismatch() {
        scsi.run(NEXUS_A, filled(2 * BLOCK, 0x33), cdb10(0x2a, 0, 0, 2));
        assertThat(scsi.run(NEXUS_A, filled(2 * BLOCK, 0x33), cdb10(0x2f, 0x02, 0, 2)).status()).isZero();
        byte[] wrong = filled(2 * BLOCK, 0x33);
        wrong[BLOCK + 3] = 0;
        ScsiFixture.Result r = scsi.run(NEXUS_A, wrong, cdb10(0x2f, 0x02, 0, 2));
        assertThat(r.sense()).containsExactly(0xe, 0x1d, 0x00);
        assertThat(r.information()).isEqualTo(BLOCK + 3);
    }
}
