package io.mooring.engine.scsi.bdev;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A LUN kept in a (sparse) regular file that the service created at the volume's size.
 *
 * <p>Thin provisioned where the filesystem punches holes (ext4, xfs, btrfs, tmpfs; tried once at open, beyond the end
 * of the file): UNMAP gives the space back and GET LBA STATUS reports the file's real holes (see
 * {@link ChannelBackend}). Elsewhere (read-only, a filesystem without punching, native access denied) zeros are
 * written, the LU reports full provisioning, and one log line says why.
 */
public final class FileBackend extends ChannelBackend {

    private static final int BLOCK_SIZE = 512;
    /** The page cache reads and writes whole pages: anything smaller is a read-modify-write. */
    private static final int PAGE_SIZE = 4096;

    private FileBackend(FileChannel channel, boolean readOnly, int holeFd) throws IOException {
        super(channel, readOnly, BLOCK_SIZE, PAGE_SIZE, channel.size(), holeFd);
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

    /** A descriptor for punching holes in {@code file}, or -1 (logged once per filesystem) where its filesystem cannot. */
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
        reportNoDeallocation(Files.getFileStore(file).toString(), refusal);
        return -1;
    }

    @Override
    protected long readSize() throws IOException {
        return channel.size();
    }

    @Override
    protected boolean holesFindable() {
        return true;
    }

    /** Page-cached file data can go straight to the socket (sendfile). */
    @Override
    public FileChannel zeroCopyChannel() {
        return channel;
    }
}
