package io.mooring.engine.scsi.bdev;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What the file and raw-device backends share: positional I/O on one {@link FileChannel} through the page cache, and
 * deallocation.
 *
 * <p>Deallocation: with a hole descriptor (a second descriptor of the file or device, see {@link Libc}) a range is
 * {@code fallocate(PUNCH_HOLE | KEEP_SIZE)}: a file frees the space (the kernel zeroes partial filesystem blocks at
 * the edges), a block device zeroes it with deallocation allowed (WRITE ZEROES without NOUNMAP, no fallback). The
 * backend is then thin provisioned. Without one (the subclass found punching unsupported): the range is written with
 * zeros, skipping blocks that already read as zeros (a never-written hole of a sparse file stays a hole), so it reads
 * back as zeros but no space is freed; the LU reports LBPME=0 and every block as mapped.
 */
abstract class ChannelBackend implements BlockBackend {

    private static final System.Logger LOG = System.getLogger(ChannelBackend.class.getName());
    /** Where deallocation was found missing: said once per filesystem or device, not at every LUN open. */
    private static final Set<String> REPORTED_WITHOUT_DEALLOCATION = ConcurrentHashMap.newKeySet();

    private static final int ZERO_CHUNK = 1 << 20;
    /** Shared, never written: the source of every zero write. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(ZERO_CHUNK));

    protected final FileChannel channel;
    private final boolean readOnly;
    private final int blockSize;
    private final int physicalBlockSize;
    private volatile long size;
    private final boolean thinProvisioned;
    /** The descriptor holes are punched (and found) through, or -1; the lock keeps close from racing a call. */
    private int holeFd;
    private final ReadWriteLock holeFdLock = new ReentrantReadWriteLock();

    /** @param holeFd a descriptor of the same file or device that punching works on, or -1; closed with this */
    protected ChannelBackend(FileChannel channel, boolean readOnly, int blockSize, int physicalBlockSize, long size,
                             int holeFd) {
        this.channel = channel;
        this.readOnly = readOnly;
        this.blockSize = blockSize;
        this.physicalBlockSize = Math.max(blockSize, physicalBlockSize);
        this.size = size;
        this.thinProvisioned = holeFd >= 0;
        this.holeFd = holeFd;
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
    public boolean thinProvisioned() {
        return thinProvisioned;
    }

    @Override
    public void deallocate(long offset, long length) throws IOException {
        holeFdLock.readLock().lock();
        try {
            int errno = holeFd < 0 ? Libc.EOPNOTSUPP : Libc.punchHole(holeFd, offset, length);
            if (errno == Libc.EOPNOTSUPP) {
                // no hole descriptor, or punching refused after all: the range must still read as zeros
                writeZeros(offset, length);
            } else if (errno != 0) {
                throw new IOException("punching a hole of " + length + " bytes at " + offset + ": "
                        + Libc.describe(errno));
            }
        } finally {
            holeFdLock.readLock().unlock();
        }
    }

    /**
     * Marks the blocks that lie wholly inside a hole ({@code SEEK_DATA}/{@code SEEK_HOLE} on the hole descriptor)
     * when {@link #holesFindable()}; otherwise none: every block counts as mapped (SBC-4: "mapped or unknown").
     */
    @Override
    public void deallocatedBlocks(long offset, int blocks, BitSet deallocated) throws IOException {
        holeFdLock.readLock().lock();
        try {
            if (holeFd < 0 || !holesFindable()) {
                return;
            }
            long end = offset + (long) blocks * blockSize;
            long position = offset;
            while (position < end) {
                long data = Libc.seek(holeFd, position, Libc.SEEK_DATA);
                if (data == -Libc.ENXIO) {
                    data = end;                             // a hole up to the end of the file
                } else if (data < 0) {
                    throw new IOException("lseek(SEEK_DATA) at " + position + ": " + Libc.describe((int) -data));
                }
                long holeEnd = Math.min(data, end);
                int first = (int) ((position - offset + blockSize - 1) / blockSize);
                int last = (int) ((holeEnd - offset) / blockSize);
                if (last > first) {
                    deallocated.set(first, last);
                }
                if (data >= end) {
                    return;
                }
                position = Libc.seek(holeFd, data, Libc.SEEK_HOLE);
                if (position < 0) {
                    throw new IOException("lseek(SEEK_HOLE) at " + data + ": " + Libc.describe((int) -position));
                }
            }
        } finally {
            holeFdLock.readLock().unlock();
        }
    }

    /** Whether the hole descriptor answers SEEK_DATA/SEEK_HOLE with the medium's real holes (files, not devices). */
    protected abstract boolean holesFindable();

    private void writeZeros(long offset, long length) throws IOException {
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
        holeFdLock.writeLock().lock();
        try {
            if (holeFd >= 0) {
                Libc.close(holeFd);
                holeFd = -1;
            }
        } finally {
            holeFdLock.writeLock().unlock();
        }
        channel.close();
    }

    /** Logs, once per {@code where}, that LUs there report full provisioning (and so refuse UNMAP). */
    static void reportNoDeallocation(String where, String refusal) {
        if (REPORTED_WITHOUT_DEALLOCATION.add(where)) {
            LOG.log(System.Logger.Level.INFO, where + ": no deallocation (" + refusal
                    + "); LUs there report full provisioning and refuse UNMAP");
        }
    }
}
