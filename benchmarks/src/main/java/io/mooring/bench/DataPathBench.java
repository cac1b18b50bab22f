package io.mooring.bench;

import io.mooring.engine.scsi.DataIn;
import io.mooring.engine.scsi.ItNexus;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiCompletion;
import io.mooring.engine.scsi.ScsiDevice;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.bdev.BlockBackend;
import io.mooring.engine.scsi.bdev.FileBackend;
import io.mooring.engine.scsi.bdev.RawDeviceBackend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The SCSI data path below the transport: {@link ScsiDevice#execute} with READ(16)/WRITE(16) CDBs on a real
 * {@link FileBackend} (sparse 1 GiB file, {@code span} bytes prefilled so reads hit allocated, page-cached data)
 * or a {@link RawDeviceBackend} on a loop device over such a file ({@code losetup -f --show}, detached at the end;
 * root needed, the trial fails if losetup does).
 *
 * <ul>
 *   <li>{@code read}: the command only. File backend: the engine answers with a file region (zero copy), so no
 *       data moves here; loop backend: the engine preads into a pooled direct buffer.</li>
 *   <li>{@code readAndSend}: plus moving the bytes the way the transport does without data digest: a file region
 *       goes out with sendfile (here to /dev/null), a buffer with write(2) (to /dev/null: free). Note that
 *       sendfile into /dev/null drops the spliced pages without copying: for the file backend this measures the
 *       syscall and page-cache lookup per command, not a data rate.</li>
 *   <li>{@code write}: WRITE(16) from a pooled direct Data-Out buffer (write cache on, so no fdatasync).</li>
 * </ul>
 * Throughput in ops/s: MiB/s = ops/s x size / 2^20. Allocation per I/O: {@code -prof gc}, gc.alloc.rate.norm.
 * Offsets are random, size-aligned, within the first {@code span} bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class DataPathBench {

    private static final long FILE_SIZE = 1L << 30;
    private static final ItNexus NEXUS = new ItNexus("iqn.2024-01.local.bench:jmh", 0x23d000000001L,
            "iqn.2024-01.io.mooring:bench", 1);

    @Param({"file", "loop"})
    public String backend;

    @Param({"4096", "131072", "1048576"})
    public int size;

    /** Working set, prefilled with non-zero data. */
    @Param({"268435456"})
    public long span;

    private Path image;
    private String loopDevice;
    private ScsiDevice device;
    private int blockSize;
    private ByteBuf dataOut;
    private FileChannel devNull;
    private final Completion completion = new Completion();
    private long slots;

    static final class Completion implements ScsiCompletion {
        ScsiResponse response;

        @Override
        public void complete(ScsiResponse r) {
            response = r;
        }
    }

    @Setup(Level.Trial)
    public void setup() throws IOException, InterruptedException {
        Path dir = Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));
        image = Files.createTempFile(dir, "mooring-bench-", ".img");
        try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
            raf.setLength(FILE_SIZE);
        }
        BlockBackend store;
        if (backend.equals("file")) {
            store = FileBackend.open(image, false);
        } else {
            loopDevice = run("losetup", "-f", "--show", image.toString());
            store = RawDeviceBackend.open(Path.of(loopDevice), false);
        }
        blockSize = store.blockSize();
        prefill(store);
        device = new ScsiDevice();
        device.map(0, "bench-" + backend, store);
        // the first command of a nexus gets POWER ON/RESET: consume it
        for (int i = 0; i < 4; i++) {
            device.execute(new ScsiCommand(NEXUS, 0, new byte[6], 0, ScsiCommand.TaskAttribute.SIMPLE, 1, false, null),
                    completion);
            if (completion.response.status() == ScsiResponse.GOOD) {
                break;
            }
        }
        dataOut = PooledByteBufAllocator.DEFAULT.directBuffer(size, size);
        byte[] fill = new byte[size];
        ThreadLocalRandom.current().nextBytes(fill);
        dataOut.writeBytes(fill);
        devNull = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
        slots = span / size;
    }

    private void prefill(BlockBackend store) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        byte[] pattern = "mooring-bench-data".getBytes(StandardCharsets.US_ASCII);
        while (chunk.hasRemaining()) {
            chunk.put(pattern, 0, Math.min(pattern.length, chunk.remaining()));
        }
        for (long at = 0; at < span; at += chunk.capacity()) {
            chunk.clear();
            store.write(chunk, at);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
        device.close(); // closes the backend
        dataOut.release();
        devNull.close();
        if (loopDevice != null) {
            run("losetup", "-d", loopDevice);
        }
        Files.deleteIfExists(image);
    }

    private byte[] cdb(int opcode) {
        long lba = ThreadLocalRandom.current().nextLong(slots) * size / blockSize;
        int blocks = size / blockSize;
        byte[] cdb = new byte[16];
        cdb[0] = (byte) opcode;
        for (int i = 0; i < 8; i++) {
            cdb[2 + i] = (byte) (lba >>> (56 - 8 * i));
        }
        cdb[10] = (byte) (blocks >>> 24);
        cdb[11] = (byte) (blocks >>> 16);
        cdb[12] = (byte) (blocks >>> 8);
        cdb[13] = (byte) blocks;
        return cdb;
    }

    private ScsiResponse execute(int opcode, ByteBuf data) {
        ScsiCommand command = new ScsiCommand(NEXUS, 0, cdb(opcode), size, ScsiCommand.TaskAttribute.SIMPLE, 7,
                false, data);
        device.execute(command, completion);
        ScsiResponse response = completion.response;
        if (response.status() != ScsiResponse.GOOD) {
            throw new IllegalStateException("status " + response.status());
        }
        return response;
    }

    @Benchmark
    public int read() {
        DataIn data = execute(0x88, null).dataIn();
        int length = data.length();
        data.release();
        return length;
    }

    @Benchmark
    public long readAndSend() throws IOException {
        DataIn data = execute(0x88, null).dataIn();
        long sent = 0;
        try {
            if (data instanceof DataIn.FileRegion region) {
                while (sent < region.length()) {
                    sent += region.channel().transferTo(region.position() + sent, region.length() - sent, devNull);
                }
            } else {
                ByteBuf buf = ((DataIn.Buffer) data).buf();
                sent = devNull.write(buf.nioBuffer());
            }
        } finally {
            data.release();
        }
        return sent;
    }

    @Benchmark
    public ScsiResponse write() {
        return execute(0x8a, dataOut);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
