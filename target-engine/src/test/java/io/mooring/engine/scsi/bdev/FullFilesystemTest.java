package io.mooring.engine.scsi.bdev;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.Processes;
import io.mooring.engine.scsi.ItNexus;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiDevice;
import io.mooring.engine.scsi.ScsiResponse;
import io.netty.buffer.Unpooled;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thin LUN whose filesystem runs full answers writes with SPACE ALLOCATION FAILED WRITE PROTECT, on a 1 MiB tmpfs
 * (skipped, with the reason, where tmpfs cannot be mounted).
 */
class FullFilesystemTest {

    private static final ItNexus NEXUS = new ItNexus("iqn.2026-01.test:a", 1, "iqn.2026-01.io.mooring:t", 1);

    @TempDir
    Path dir;
    Path mountPoint;

    @BeforeEach
    void mountTinyTmpfs() throws Exception {
        mountPoint = Files.createDirectory(dir.resolve("tiny"));
        Processes.Result result = Processes.run(30, "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.toString());
        Assumptions.assumeTrue(result.exit() == 0, "cannot mount a tmpfs (needs root): " + result.output());
    }

    @AfterEach
    void unmount() throws Exception {
        Processes.run(30, "umount", mountPoint.toString());
    }

    @Test
    void writesBeyondTheFreeSpaceReportSpaceAllocationFailed() throws Exception {
        Path image = mountPoint.resolve("thin.img");
        try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
            raf.setLength(8L << 20);
        }
        ScsiDevice device = new ScsiDevice();
        device.map(0, "vol-thin", FileBackend.open(image, false));
        try {
            execute(device, new byte[] {0x00}, null);
            int[] sense = null;
            for (int lba = 0; lba < 16384 && sense == null; lba += 256) {
                byte[] cdb = {0x2a, 0, (byte) (lba >>> 24), (byte) (lba >>> 16), (byte) (lba >>> 8), (byte) lba, 0, 1, 0, 0};
                ScsiResponse r = execute(device, cdb, new byte[256 * 512]);
                if (r.status() != ScsiResponse.GOOD) {
                    sense = new int[] {r.sense()[2] & 0x0f, r.sense()[12] & 0xff, r.sense()[13] & 0xff};
                }
            }
            assertThat(sense).as("the 1 MiB filesystem fills before 8 MiB are written")
                    .containsExactly(0x7, 0x27, 0x07);
        } finally {
            device.close();
        }
    }

    private static ScsiResponse execute(ScsiDevice device, byte[] cdb, byte[] dataOut) throws Exception {
        var out = dataOut == null ? null : Unpooled.wrappedBuffer(dataOut);
        byte[] full = java.util.Arrays.copyOf(cdb, 16);
        CompletableFuture<ScsiResponse> done = new CompletableFuture<>();
        try {
            device.execute(new ScsiCommand(NEXUS, 0, full, dataOut == null ? 0 : dataOut.length,
                    ScsiCommand.TaskAttribute.SIMPLE, 1, false, out), done::complete);
            ScsiResponse response = done.get(10, TimeUnit.SECONDS);
            if (response.dataIn() != null) {
                response.dataIn().release();
            }
            return response;
        } finally {
            if (out != null) {
                out.release();
            }
        }
    }
}
