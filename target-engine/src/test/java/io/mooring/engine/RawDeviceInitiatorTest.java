package io.mooring.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mooring.engine.scsi.bdev.RawDeviceBackend;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raw block device backend behind the real transport: a loop device over a temp file, written and read back
 * byte-exact by qemu-io over iSCSI. Skipped, saying why, when no loop device can be set up (no root, no loop
 * driver, no losetup).
 */
class RawDeviceInitiatorTest {

    static final String IQN = "iqn.2024-01.io.mooring.test:raw";

    @TempDir
    Path dir;

    @Test
    void qemuWritesAndReadsBackThroughALoopDevice() throws Exception {
        assertTrue(Processes.installed("qemu-io"), "qemu-utils is not installed: .ci/run installs it");
        assertTrue(Processes.installed("losetup"), "losetup (util-linux) is not installed");
        Path image = dir.resolve("raw.img");
        try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
            raf.setLength(32L << 20);
        }
        Processes.Result attach = Processes.run(20, "losetup", "--find", "--show", image.toString());
        assumeTrue(attach.exit() == 0, "cannot create a loop device (needs root and the loop driver): "
                + attach.output().strip());
        String device = attach.output().strip();
        try (TargetEngine engine = TargetEngine.start(EngineConfig.defaults().withListen("127.0.0.1", 0))) {
            engine.map(IQN, 0, "raw-test", RawDeviceBackend.open(Path.of(device), false));
            engine.grant(IQN, AccessGrant.of("rawuser", "rawsecret1234", Set.of(RealInitiatorTest.QEMU_INITIATOR),
                    false));
            String url = "iscsi://rawuser%rawsecret1234@127.0.0.1:" + engine.localAddress().getPort() + "/" + IQN
                    + "/0";
            Processes.Result io = Processes.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x3c 0 1M",
                    "-c", "read -P 0x3c 0 1M", "-c", "write -P 0xc3 31M 1M", "-c", "read -P 0xc3 31M 1M", url);
            assertThat(io.exit()).as(io.output()).isZero();
            assertThat(io.output()).contains("read 1048576/1048576 bytes at offset 32505856")
                    .doesNotContain("Pattern verification failed");
        } finally {
            Processes.run(20, "losetup", "-d", device);
        }
        byte[] onDisk = new byte[1 << 20];
        try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "r")) {
            raf.readFully(onDisk);
        }
        for (byte b : onDisk) {
            assertThat(b).isEqualTo((byte) 0x3c);
        }
    }
}
