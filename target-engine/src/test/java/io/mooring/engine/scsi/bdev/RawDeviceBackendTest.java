package io.mooring.engine.scsi.bdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RawDeviceBackend on a real loop device over a temp file; skipped (with the reason) where losetup cannot run. */
class RawDeviceBackendTest {

    private static final long SIZE = 8L << 20;

    @TempDir
    Path dir;
    Path image;
    String loopDevice;

    @BeforeEach
    void attachLoopDevice() throws Exception {
        image = dir.resolve("raw.img");
        try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
            raf.setLength(SIZE);
        }
        String[] result = runLosetup("-f", "--show", image.toString());
        Assumptions.assumeTrue(result[0].equals("0"),
                "no loop device could be created (need root and /dev/loop-control): " + result[1]);
        loopDevice = result[1].trim();
    }

    @AfterEach
    void detachLoopDevice() throws Exception {
        if (loopDevice != null) {
            runLosetup("-d", loopDevice);
        }
    }

    @Test
    void sizeAndBlockSizeComeFromSysfsAndDataRoundTrips() throws IOException {
        try (RawDeviceBackend backend = RawDeviceBackend.open(Path.of(loopDevice), false)) {
            assertThat(backend.size()).isEqualTo(SIZE);
            assertThat(backend.blockSize()).isEqualTo(512);
            assertThat(backend.zeroCopyChannel()).isNull();
            byte[] data = "raw device block".repeat(64).getBytes(StandardCharsets.US_ASCII);
            backend.write(ByteBuffer.wrap(data), 4096);
            backend.flush();
            ByteBuffer back = ByteBuffer.allocate(data.length);
            backend.read(back, 4096);
            assertThat(back.array()).isEqualTo(data);
            backend.deallocate(4096, 512);
            ByteBuffer deallocated = ByteBuffer.allocate(data.length);
            backend.read(deallocated, 4096);
            assertThat(Arrays.copyOf(deallocated.array(), 512)).as("zeros written").isEqualTo(new byte[512]);
            assertThat(Arrays.copyOfRange(deallocated.array(), 512, data.length))
                    .isEqualTo(Arrays.copyOfRange(data, 512, data.length));
            assertThat(backend.thinProvisioned()).as("no BLKDISCARD: the device stays fully provisioned").isFalse();
            BitSet holes = new BitSet();
            backend.deallocatedBlocks(4096, 2, holes);
            assertThat(holes.isEmpty()).as("every block of a fully provisioned LU is mapped").isTrue();
        }
    }

    @Test
    void readOnlyDeviceRefusesWritesAtTheChannel() throws IOException {
        try (RawDeviceBackend backend = RawDeviceBackend.open(Path.of(loopDevice), true)) {
            assertThat(backend.readOnly()).isTrue();
            assertThatThrownBy(() -> backend.write(ByteBuffer.wrap(new byte[512]), 0))
                    .isInstanceOf(java.nio.channels.NonWritableChannelException.class);
        }
    }

    @Test
    void aRegularFileIsNotABlockDevice() {
        assertThatThrownBy(() -> RawDeviceBackend.open(image, false)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a block device");
    }

    private static String[] runLosetup(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "losetup";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean finished = process.waitFor(30, TimeUnit.SECONDS);
            return new String[] {finished ? String.valueOf(process.exitValue()) : "timeout", output};
        } catch (IOException e) {
            return new String[] {"missing", "losetup not runnable: " + e.getMessage() + " " + Arrays.toString(args)};
        }
    }
}
