package io.mooring.engine.scsi;

import static io.mooring.engine.scsi.ScsiFixture.BLOCK;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_A;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_B;
import static io.mooring.engine.scsi.ScsiFixture.cdb10;
import static io.mooring.engine.scsi.ScsiFixture.cdb16;
import static io.mooring.engine.scsi.ScsiFixture.filled;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.scsi.bdev.FileBackend;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flush semantics, the sticky write failure, write protection, mode changes and unit attentions. */
class DurabilityAndStateTest {

    private static final int[] WRITE_ERROR = {0x3, 0x0c, 0x00};
    private static final int[] WRITE_PROTECTED = {0x7, 0x27, 0x00};

    @TempDir
    Path dir;
    ScsiFixture scsi;
    RecordingBackend backend;

    @BeforeEach
    void setUp() throws Exception {
        scsi = new ScsiFixture(dir, 1024);
        scsi.device.unmap(0);
        backend = new RecordingBackend(FileBackend.open(scsi.file, false));
        scsi.device.map(0, "vol-0001", backend);
        scsi.clearUnitAttention(NEXUS_A);
    }

    @AfterEach
    void tearDown() {
        scsi.close();
    }

    @Test
    void synchronizeCacheAndFuaWritesFlushBeforeStatus() {
        assertThat(scsi.run(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0).status()).isZero();
        assertThat(scsi.run(cdb16(0x91, 0, 0, 0)).status()).isZero();
        assertThat(backend.flushes).hasValue(2);
        scsi.run(NEXUS_A, filled(BLOCK, 1), cdb10(0x2a, 0, 0, 1));
        assertThat(backend.flushes).as("a plain write stays in the page cache").hasValue(2);
        scsi.run(NEXUS_A, filled(BLOCK, 1), cdb10(0x2a, 0x08, 0, 1));
        assertThat(backend.flushes).as("FUA").hasValue(3);
        assertThat(scsi.run(cdb16(0x91, 0, 1024, 1)).sense()).containsExactly(0x5, 0x21, 0x00);
    }

    @Test
    void aFailedFlushFailsEveryLaterWrite() {
        backend.failFlush = true;
        assertThat(scsi.run(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0).sense()).containsExactly(WRITE_ERROR);
        backend.failFlush = false;
        assertThat(scsi.run(NEXUS_A, filled(BLOCK, 1), cdb10(0x2a, 0, 0, 1)).sense()).containsExactly(WRITE_ERROR);
        assertThat(scsi.run(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0).sense()).as("a later fdatasync may lie: keep failing")
                .containsExactly(WRITE_ERROR);
        assertThat(scsi.run(cdb10(0x28, 0, 0, 1)).status()).as("reads still work").isZero();
        assertThat(scsi.device.counters(0).errors()).isEqualTo(3);
    }

    @Test
    void concurrentFuaWritesShareFlushes() throws Exception {
        int threads = 8;
        int writesPerThread = 50;
        Thread[] writers = new Thread[threads];
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < threads; t++) {
            int lba = t;
            writers[t] = new Thread(() -> {
                for (int i = 0; i < writesPerThread; i++) {
                    if (scsi.run(NEXUS_A, filled(BLOCK, i), cdb10(0x2a, 0x08, lba, 1)).status() != 0) {
                        failures.incrementAndGet();
                    }
                }
            });
            writers[t].start();
        }
        for (Thread writer : writers) {
            writer.join();
        }
        assertThat(failures).hasValue(0);
        assertThat(backend.flushes.get()).as("group commit").isBetween(1, threads * writesPerThread);
        for (int t = 0; t < threads; t++) {
            assertThat(scsi.run(cdb10(0x28, 0, t, 1)).data()).isEqualTo(filled(BLOCK, writesPerThread - 1));
        }
    }

    @Test
    void clearingWriteCacheMakesEveryWriteDurable() {
        byte[] modeSelect = new byte[4 + 20];
        modeSelect[4] = 0x08;
        modeSelect[5] = 0x12;
        int[] cdb = {0x15, 0x10, 0, 0, modeSelect.length, 0};
        assertThat(scsi.run(NEXUS_A, modeSelect, cdb).status()).isZero();
        int before = backend.flushes.get();
        scsi.run(NEXUS_A, filled(BLOCK, 1), cdb10(0x2a, 0, 0, 1));
        assertThat(backend.flushes.get()).isEqualTo(before + 1);
        assertThat(scsi.run(0x1a, 0x08, 0x08, 0, 255, 0).data()[6] & 0x04).as("WCE now 0").isZero();
    }

    @Test
    void modeSelectOfANonChangeableFieldIsRefused() {
        byte[] modeSelect = new byte[4 + 12];
        modeSelect[4] = 0x0a;
        modeSelect[5] = 0x0a;
        modeSelect[6] = 0x04;                      // D_SENSE: descriptor sense is not supported
        int[] cdb = {0x15, 0x10, 0, 0, modeSelect.length, 0};
        assertThat(scsi.run(NEXUS_A, modeSelect, cdb).sense()).containsExactly(0x5, 0x26, 0x00);
    }

    @Test
    void softwareWriteProtectRefusesWrites() {
        byte[] control = scsi.run(0x1a, 0x08, 0x0a, 0, 255, 0).data();
        byte[] modeSelect = new byte[4 + 12];
        System.arraycopy(control, 4, modeSelect, 4, 12);
        modeSelect[8] |= 0x08;
        assertThat(scsi.run(NEXUS_A, modeSelect, 0x15, 0x10, 0, 0, modeSelect.length, 0).status()).isZero();
        assertThat(scsi.run(NEXUS_A, filled(BLOCK, 1), cdb10(0x2a, 0, 0, 1)).sense()).containsExactly(WRITE_PROTECTED);
        assertThat(scsi.run(0x1a, 0, 0x0a, 0, 255, 0).data()[2] & 0x80).as("WP in the header").isEqualTo(0x80);
    }

    @Test
    void readOnlyBackendRefusesWritesButServesReads() throws Exception {
        Path roFile = dir.resolve("ro.img");
        try (RandomAccessFile raf = new RandomAccessFile(roFile.toFile(), "rw")) {
            raf.setLength(64 * BLOCK);
        }
        scsi.device.map(1, "vol-ro", FileBackend.open(roFile, true));
        scsi.run(NEXUS_A, 1, false, null, 0x00);
        assertThat(scsi.run(NEXUS_A, 1, false, filled(BLOCK, 1), cdb10(0x2a, 0, 0, 1)).sense())
                .containsExactly(WRITE_PROTECTED);
        assertThat(scsi.run(NEXUS_A, 1, false, new byte[BLOCK], cdb10(0x41, 0x08, 0, 1)).sense())
                .containsExactly(WRITE_PROTECTED);
        assertThat(scsi.run(NEXUS_A, 1, false, null, cdb10(0x28, 0, 0, 1)).status()).isZero();
    }

    @Test
    void lunResetRaisesBusDeviceResetForEveryNexusIncludingTheRequester() {
        scsi.clearUnitAttention(NEXUS_B);
        scsi.run(NEXUS_A, null, 0x16, 0, 0, 0, 0, 0);
        scsi.device.lunReset(0, NEXUS_A);
        assertThat(scsi.run(NEXUS_A, null, 0x00).sense()).containsExactly(0x6, 0x29, 0x03);
        assertThat(scsi.run(NEXUS_B, null, 0x00).sense()).containsExactly(0x6, 0x29, 0x03);
        assertThat(scsi.run(NEXUS_B, null, 0x00).status()).as("SPC-2 reservation cleared").isZero();
    }

    @Test
    void clearedTaskSetAndCapacityChangeAreReportedToOtherNexuses() throws Exception {
        scsi.clearUnitAttention(NEXUS_B);
        scsi.device.taskSetCleared(0, NEXUS_A, true);
        assertThat(scsi.run(NEXUS_A, null, 0x00).status()).isZero();
        assertThat(scsi.run(NEXUS_B, null, 0x00).sense()).containsExactly(0x6, 0x2f, 0x00);

        try (RandomAccessFile raf = new RandomAccessFile(scsi.file.toFile(), "rw")) {
            raf.setLength(2048 * BLOCK);
        }
        scsi.device.capacityChanged(0);
        assertThat(scsi.run(NEXUS_B, null, 0x00).sense()).containsExactly(0x6, 0x2a, 0x09);
        byte[] capacity = scsi.run(NEXUS_B, null, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0).data();
        assertThat(capacity).startsWith(0, 0, 0x07, (byte) 0xff);
    }

    @Test
    void inquiryAndReportLunsLeaveUnitAttentionsPending() {
        scsi.run(NEXUS_B, null, 0x12, 0, 0, 0, 36, 0);
        scsi.run(NEXUS_B, null, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0);
        assertThat(scsi.run(NEXUS_B, null, 0x00).sense()).containsExactly(0x6, 0x29, 0x00);
    }

    @Test
    void reportSupportedOperationCodesDescribesOneCommand() {
        byte[] read10 = scsi.run(0xa3, 0x0c, 0x01, 0x28, 0, 0, 0, 0, 1, 0, 0, 0).data();
        assertThat(read10[1] & 0x07).isEqualTo(0x03);
        assertThat(read10[3]).isEqualTo((byte) 10);
        assertThat(read10[4]).isEqualTo((byte) 0x28);
        byte[] unsupported = scsi.run(0xa3, 0x0c, 0x01, 0xc9, 0, 0, 0, 0, 1, 0, 0, 0).data();
        assertThat(unsupported[1] & 0x07).isEqualTo(0x01);
        assertThat(scsi.run(0xa3, 0x0c, 0x01, 0x9e, 0, 0, 0, 0, 1, 0, 0, 0).sense())
                .as("opcode with service actions needs option 2").containsExactly(0x5, 0x24, 0x00);
        byte[] all = scsi.run(0xa3, 0x0c, 0x00, 0, 0, 0, 0, 0, 0x10, 0, 0, 0).data();
        int listed = ((all[0] & 0xff) << 24 | (all[1] & 0xff) << 16 | (all[2] & 0xff) << 8 | (all[3] & 0xff)) / 8;
        assertThat(listed).isEqualTo(CommandTable.all().size());
    }
}
