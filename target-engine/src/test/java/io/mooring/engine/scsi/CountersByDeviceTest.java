package io.mooring.engine.scsi;

import static io.mooring.engine.scsi.ScsiFixture.BLOCK;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_A;
import static io.mooring.engine.scsi.ScsiFixture.cdb10;
import static io.mooring.engine.scsi.ScsiFixture.filled;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.scsi.bdev.FileBackend;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The counters the console reads per volume: each LUN's under the device id it was mapped with, and only while mapped. */
class CountersByDeviceTest {

    @TempDir
    Path dir;

    @Test
    void eachMappedLunCountsUnderItsDeviceId() throws Exception {
        try (ScsiFixture scsi = new ScsiFixture(dir, 2048)) {
            Path second = dir.resolve("lun1.img");
            try (RandomAccessFile raf = new RandomAccessFile(second.toFile(), "rw")) {
                raf.setLength(2048L * BLOCK);
            }
            scsi.device.map(1, "vol-0002", FileBackend.open(second, false));
            // the nexus's unit attentions (power on, LUN inventory changed) come first, one per command
            for (int i = 0; i < 4 && scsi.run(0x00).status() != ScsiResponse.GOOD; i++) {
                // next attention
            }
            scsi.run(NEXUS_A, filled(2 * BLOCK, 0xab), cdb10(0x2a, 0, 100, 2));
            scsi.run(cdb10(0x28, 0, 100, 1));

            var counters = scsi.device.countersByDeviceId();
            assertThat(counters).containsOnlyKeys("vol-0001", "vol-0002");
            assertThat(counters.get("vol-0001").bytesWritten()).isEqualTo(2 * BLOCK);
            assertThat(counters.get("vol-0001").bytesRead()).isEqualTo(BLOCK);
            assertThat(counters.get("vol-0001").commands()).isGreaterThanOrEqualTo(3);
            assertThat(counters.get("vol-0002").bytesWritten()).isZero();

            scsi.device.unmap(1);
            assertThat(scsi.device.countersByDeviceId()).containsOnlyKeys("vol-0001");
        }
    }
}
