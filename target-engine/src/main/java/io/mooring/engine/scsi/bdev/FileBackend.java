package io.mooring.engine.scsi.bdev;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A LUN kept in a (sparse) regular file that the service created at the volume's size.
 *
 * <p>Thin provisioning: where the filesystem punches holes (ext4, xfs, btrfs, tmpfs; tried once at open, beyond the
 * end of the file), {@link #deallocate} is {@code fallocate(PUNCH_HOLE | KEEP_SIZE)}, so UNMAP gives the space back,
 * and {@link #deallocatedBlocks} reports the file's real holes ({@code SEEK_DATA}/{@code SEEK_HOLE}). Both go through
 * a second descriptor of the file (see {@link Libc}). Elsewhere (read-only, a filesystem without punching, native
 * access denied) the file behaves as {@link ChannelBackend} describes and says so in one log line.
 */
public final class FileBackend extends ChannelBackend {

    private static final System.Logger LOG = System.getLogger(FileBackend.class.getName());
    private static final int BLOCK_SIZE = 512;
    /** The page cache reads and writes whole pages: anything smaller is a read-modify-write. */
    private static final int PAGE_SIZE = 4096;

    private final boolean thinProvisioned;
    /** The descriptor holes are punched and found through, or -1; the lock keeps close from racing a call. */
    private int holeFd;
    private final ReadWriteLock holeFdLock = new ReentrantReadWriteLock();

    private FileBackend(FileChannel channel, boolean readOnly, int holeFd) throws IOException {
        super(channel, readOnly, BLOCK_SIZE, PAGE_SIZE, channel.size());
        this.thinProvisioned = holeFd >= 0;
        this.holeFd = holeFd;
    }

    public static FileBackend open(Path file, boolean readOnly) throws IOException {
        FileChannel channel = openChannel(file, readOnly);
        int holeFd = -1;
        try {
            holeFd = readOnly ? -1 : holePunchingDescriptor(file, channel.size());
            return new FileBackend(channel, readOnly, holeFd);
        } catch (IOException | RuntimeException e) {
            if (holeFd >= 0) {
                Libc.close(holeFd);
            }
            channel.close();
            throw e;
        }
    }

    /** A descriptor for punching holes in {@code file}, or -1 (logged once) where its filesystem cannot. */
    private static int holePunchingDescriptor(Path file, long size) throws IOException {
        String refusal = Libc.UNAVAILABLE;
        if (refusal == null) {
            int fd = Libc.open(file, Libc.O_RDWR);
            // beyond the end with KEEP_SIZE: changes nothing, and fails where the filesystem cannot punch holes
            int errno = Libc.punchHole(fd, size, PAGE_SIZE);
            if (errno == 0) {
                return fd;
            }
            Libc.close(fd);
            refusal = "fallocate(PUNCH_HOLE): " + Libc.describe(errno);
        }
        LOG.log(System.Logger.Level.INFO, file + ": holes cannot be punched (" + refusal
                + "); UNMAP writes zeros and the LU reports full provisioning");
        return -1;
    }

    @Override
    protected long readSize() throws IOException {
        return channel.size();
    }

    /** Page-cached file data can go straight to the socket (sendfile). */
    @Override
    public FileChannel zeroCopyChannel() {
        return channel;
    }

    @Override
    public boolean thinProvisioned() {
        return thinProvisioned;
    }

    @Override
    public void deallocate(long offset, long length) throws IOException {
        holeFdLock.readLock().lock();
        try {
            if (holeFd < 0) {
                super.deallocate(offset, length);
                return;
            }
            int errno = Libc.punchHole(holeFd, offset, length);
            if (errno == Libc.EOPNOTSUPP) {
                // the probe at open passed, yet this file refuses: its data must still read as zeros
                super.deallocate(offset, length);
            } else if (errno != 0) {
                throw new IOException("punching a hole of " + length + " bytes at " + offset + ": "
                        + Libc.describe(errno));
            }
        } finally {
            holeFdLock.readLock().unlock();
        }
    }

    /** A block is deallocated when it lies wholly inside a hole of the file. */
    @Override
    public void deallocatedBlocks(long offset, int blocks, BitSet deallocated) throws IOException {
        holeFdLock.readLock().lock();
        try {
            if (holeFd < 0) {
                super.deallocatedBlocks(offset, blocks, deallocated);
                return;
            }
            int blockSize = blockSize();
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
        super.close();
    }
}
