package io.mooring.engine.scsi;

import static io.mooring.engine.scsi.ScsiFixture.BLOCK;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_A;
import static io.mooring.engine.scsi.ScsiFixture.cdb10;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.scsi.bdev.FileBackend;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mapping and unmapping one LUN at runtime never disturbs I/O on another. */
class LunTableTest {

    @TempDir
    Path dir;

    @Test
    void mapUnmapChurnOnOneLunLeavesAnotherLunServing() throws Exception {
        try (ScsiFixture scsi = new ScsiFixture(dir, 1024)) {
            scsi.clearUnitAttention(NEXUS_A);
            Path other = dir.resolve("other.img");
            try (RandomAccessFile raf = new RandomAccessFile(other.toFile(), "rw")) {
                raf.setLength(64 * BLOCK);
            }
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger failures = new AtomicInteger();
            AtomicInteger served = new AtomicInteger();
            Thread reader = new Thread(() -> {
                while (running.get()) {
                    ScsiFixture.Result r = scsi.run(cdb10(0x28, 0, 7, 8));
                    if (r.status() == ScsiResponse.GOOD) {
                        served.incrementAndGet();
                    } else if (r.sense()[0] != 0x6) {
                        failures.incrementAndGet();
                    }
                }
            });
            reader.start();
            for (int i = 0; i < 500; i++) {
                scsi.device.map(1, "vol-churn", FileBackend.open(other, false));
                assertThat(scsi.run(NEXUS_A, 1, false, null, 0x12, 0, 0, 0, 36, 0).data()[0]).isZero();
                scsi.device.unmap(1);
                assertThat(scsi.run(NEXUS_A, 1, false, null, 0x00).sense()).containsExactly(0x5, 0x25, 0x00);
            }
            running.set(false);
            reader.join();
            assertThat(failures).hasValue(0);
            assertThat(served.get()).isPositive();
            assertThat(scsi.device.mappedLuns()).containsExactly(0L);
        }
    }
}
