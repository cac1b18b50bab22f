package io.mooring.engine.scsi.bdev;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * What the file and raw-device backends share: positional I/O on one {@link FileChannel} through the page cache.
 *
 * <p>Deallocation, where nothing better exists (raw devices; files whose filesystem cannot punch holes): the range is
 * written with zeros, skipping blocks that already read as zeros (a never-written hole of a sparse file stays a
 * hole), so it reads back as zeros but no space is freed. Such a backend is not thin provisioned: the LU reports
 * LBPME=0 and every block as mapped.
 */
abstract class ChannelBackend implements BlockBackend {

    private static final int ZERO_CHUNK = 1 << 20;
    /** Shared, never written: the source of every zero write. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(ZERO_CHUNK));

    protected final FileChannel channel;
    private final boolean readOnly;
    private final int blockSize;
    private final int physicalBlockSize;
    private volatile long size;

    protected ChannelBackend(FileChannel channel, boolean readOnly, int blockSize, int physicalBlockSize, long size) {
        this.channel = channel;
        this.readOnly = readOnly;
        this.blockSize = blockSize;
        this.physicalBlockSize = Math.max(blockSize, physicalBlockSize);
        this.size = size;
    }

    static FileChannel openChannel(Path path, boolean readOnly) throws IOException {
        OpenOption[] options = readOnly
                ? new OpenOption[] {StandardOpenOption.READ}
                : new OpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE};
        return FileChannel.open(path, options);
    }

    /** Reads the medium's current size in bytes. */
    protected abstract long readSize() throws IOException;

    @Override
    public long size() {
        return size;
    }

    @Override
    public long refreshSize() throws IOException {
        size = readSize();
        return size;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public int physicalBlockSize() {
        return physicalBlockSize;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        long position = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) {
                throw new EOFException("read past the end at " + position);
            }
            position += n;
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        long position = offset;
        while (src.hasRemaining()) {
            position += channel.write(src, position);
        }
    }

    @Override
    public void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public void deallocate(long offset, long length) throws IOException {
        ByteBuffer scratch = SCRATCH.get();
        long end = offset + length;
        for (long chunk = offset; chunk < end; chunk += ZERO_CHUNK) {
            int chunkLength = (int) Math.min(ZERO_CHUNK, end - chunk);
            scratch.clear().limit(chunkLength);
            read(scratch, chunk);
            int runStart = -1;
            for (int block = 0; block <= chunkLength; block += blockSize) {
                boolean dirty = block < chunkLength && !isZero(scratch, block, blockSize);
                if (dirty && runStart < 0) {
                    runStart = block;
                } else if (!dirty && runStart >= 0) {
                    write(ZEROS.duplicate().limit(block - runStart), chunk + runStart);
                    runStart = -1;
                }
            }
        }
    }

    @Override
    public boolean thinProvisioned() {
        return false;
    }

    /** Fully provisioned: every block is mapped, whatever it holds. */
    @Override
    public void deallocatedBlocks(long offset, int blocks, BitSet deallocated) throws IOException {
    }

    private static boolean isZero(ByteBuffer buffer, int from, int length) {
        int i = from;
        int end = from + length;
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            if (buffer.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (buffer.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
