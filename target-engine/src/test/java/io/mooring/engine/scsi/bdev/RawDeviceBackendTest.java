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
            assertThat(Arrays.copyOf(deallocated.array(), 512)).as("reads as zeros").isEqualTo(new byte[512]);
            assertThat(Arrays.copyOfRange(deallocated.array(), 512, data.length))
                    .isEqualTo(Arrays.copyOfRange(data, 512, data.length));
            BitSet holes = new BitSet();
            backend.deallocatedBlocks(4096, 2, holes);
            assertThat(holes.isEmpty()).as("a device does not say what it freed: mapped or unknown").isTrue();
        }
    }

    @Test
    void aLoopDeviceOverASparseFileIsThinAndDeallocationFreesTheBackingFilesBlocks() throws Exception {
        try (RawDeviceBackend backend = RawDeviceBackend.open(Path.of(loopDevice), false)) {
            assertThat(backend.thinProvisioned()).as("a loop device discards and zeroes in place").isTrue();
            byte[] data = new byte[1 << 20];
            Arrays.fill(data, (byte) 0x5a);
            backend.write(ByteBuffer.wrap(data), 1 << 20);
            backend.flush();
            long written = allocatedBytes(image);
            assertThat(written).isGreaterThanOrEqualTo(1 << 20);
            backend.deallocate(1 << 20, 1 << 20);
            assertThat(allocatedBytes(image)).as("the loop device punched the backing file")
                    .isLessThanOrEqualTo(written - (1 << 20));
            ByteBuffer back = ByteBuffer.allocate(1 << 20);
            backend.read(back, 1 << 20);
            assertThat(back.array()).isEqualTo(new byte[1 << 20]);
        }
    }

    @Test
    void aReadOnlyDeviceIsNotThin() throws IOException {
        try (RawDeviceBackend backend = RawDeviceBackend.open(Path.of(loopDevice), true)) {
            assertThat(backend.thinProvisioned()).isFalse();
        }
    }

    private static long allocatedBytes(Path file) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String[] fields = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split(" ");
        assertThat(stat.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
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
