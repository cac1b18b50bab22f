package io.mooring.engine.scsi.bdev;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** A LUN kept in a (sparse) regular file that the service created at the volume's size. */
public final class FileBackend extends ChannelBackend {

    private static final int BLOCK_SIZE = 512;
    /** The page cache reads and writes whole pages: anything smaller is a read-modify-write. */
    private static final int PAGE_SIZE = 4096;

    private FileBackend(FileChannel channel, boolean readOnly) throws IOException {
        super(channel, readOnly, BLOCK_SIZE, PAGE_SIZE, channel.size());
    }

    public static FileBackend open(Path file, boolean readOnly) throws IOException {
        FileChannel channel = openChannel(file, readOnly);
        try {
            return new FileBackend(channel, readOnly);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
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
}
