package io.mooring.engine.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.scsi.bdev.FileBackend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** A ScsiDevice over a sparse temp file, with helpers that run a CDB and read the answer back. */
final class ScsiFixture implements AutoCloseable {

    static final ItNexus NEXUS_A = new ItNexus("iqn.2026-01.test:a", 0x23d000000001L, "iqn.2026-01.io.mooring:t", 1);
    static final ItNexus NEXUS_B = new ItNexus("iqn.2026-01.test:b", 0x23d000000002L, "iqn.2026-01.io.mooring:t", 1);
    static final int BLOCK = 512;

    final ScsiDevice device;
    final Path file;

    /** Drives an existing device (its LUNs mapped by the caller). */
    ScsiFixture(ScsiDevice device) {
        this.device = device;
        this.file = null;
    }

    ScsiFixture(Path dir, long blocks) throws IOException {
        device = new ScsiDevice();
        file = dir.resolve("lun0.img");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(blocks * BLOCK);
        }
        device.map(0, "vol-0001", FileBackend.open(file, false));
    }

    /** Runs a command on LUN 0 with nexus A, after clearing the nexus's POWER ON unit attention. */
    Result run(int... cdb) {
        return run(NEXUS_A, null, cdb);
    }

    Result run(ItNexus nexus, byte[] dataOut, int... cdb) {
        return run(nexus, 0, false, dataOut, cdb);
    }

    Result run(ItNexus nexus, long lun, boolean writeProtected, byte[] dataOut, int... cdb) {
        byte[] bytes = new byte[16];
        for (int i = 0; i < cdb.length; i++) {
            bytes[i] = (byte) cdb[i];
        }
        ByteBuf out = dataOut == null ? null : Unpooled.wrappedBuffer(dataOut);
        int edtl = dataOut == null ? 0 : dataOut.length;
        ScsiCommand command = new ScsiCommand(nexus, lun, bytes, edtl, ScsiCommand.TaskAttribute.SIMPLE, 1,
                writeProtected, out);
        CompletableFuture<ScsiResponse> response = new CompletableFuture<>();
        AtomicInteger completions = new AtomicInteger();
        try {
            device.execute(command, r -> {
                completions.incrementAndGet();
                response.complete(r);
            });
            Result result = new Result(response.get(10, TimeUnit.SECONDS));
            assertThat(completions).as("completed exactly once").hasValue(1);
            return result;
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("command did not complete", e);
        } finally {
            if (out != null) {
                out.release();
            }
        }
    }

    /** Clears the POWER ON unit attention a nexus sees on its first command. */
    void clearUnitAttention(ItNexus nexus) {
        assertThat(run(nexus, null, 0x00).sense()).isEqualTo(new int[] {0x6, 0x29, 0x00});
    }

    @Override
    public void close() {
        device.close();
    }

    /** A response with its data copied out (and the DataIn released), so tests cannot leak buffers. */
    record Result(int status, byte[] senseBytes, byte[] data) {

        Result(ScsiResponse response) {
            this(response.status(), response.sense(), copy(response.dataIn()));
        }

        /** {key, asc, ascq}, or null when there is no sense. */
        int[] sense() {
            return senseBytes == null ? null
                    : new int[] {senseBytes[2] & 0x0f, senseBytes[12] & 0xff, senseBytes[13] & 0xff};
        }

        long information() {
            return (senseBytes[3] & 0xffL) << 24 | (senseBytes[4] & 0xff) << 16 | (senseBytes[5] & 0xff) << 8
                    | (senseBytes[6] & 0xff);
        }

        private static byte[] copy(DataIn dataIn) {
            if (dataIn == null) {
                return new byte[0];
            }
            try {
                if (dataIn instanceof DataIn.Buffer buffer) {
                    return ByteBufUtil.getBytes(buffer.buf());
                }
                DataIn.FileRegion region = (DataIn.FileRegion) dataIn;
                ByteBuffer bytes = ByteBuffer.allocate(region.length());
                while (bytes.hasRemaining()) {
                    if (region.channel().read(bytes, region.position() + bytes.position()) < 0) {
                        throw new IllegalStateException("file region past EOF");
                    }
                }
                return bytes.array();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                dataIn.release();
            }
        }
    }

    static int[] cdb10(int opcode, int flags, long lba, int blocks) {
        return new int[] {opcode, flags, (int) (lba >>> 24) & 0xff, (int) (lba >>> 16) & 0xff, (int) (lba >>> 8) & 0xff,
            (int) lba & 0xff, 0, (blocks >>> 8) & 0xff, blocks & 0xff, 0};
    }

    static int[] cdb16(int opcode, int flags, long lba, long blocks) {
        int[] c = new int[16];
        c[0] = opcode;
        c[1] = flags;
        for (int i = 0; i < 8; i++) {
            c[2 + i] = (int) (lba >>> (56 - 8 * i)) & 0xff;
        }
        for (int i = 0; i < 4; i++) {
            c[10 + i] = (int) (blocks >>> (24 - 8 * i)) & 0xff;
        }
        return c;
    }

    static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }
}
