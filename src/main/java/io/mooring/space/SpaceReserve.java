package io.mooring.space;

import io.mooring.fs.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A fully written (not sparse, not compressible) file that holds space on the data filesystem for PostgreSQL's WAL and Mooring's own
 * files. Deleting it hands that space back at once when the filesystem runs full; it is written again, then renamed
 * into place, so a crash never leaves a short reserve under the real name.
 */
final class SpaceReserve {

    static final String FILE_NAME = "space-reserve";
    private static final int CHUNK = 1 << 20;

    private final Path file;
    private final Path staging;
    private final long bytes;

    SpaceReserve(Path dataDir, long bytes) {
        this.file = dataDir.resolve(FILE_NAME);
        this.staging = dataDir.resolve(FILE_NAME + ".tmp");
        this.bytes = bytes;
    }

    long bytes() {
        return bytes;
    }

    boolean held() throws IOException {
        return bytes == 0 || (Files.isRegularFile(file) && Files.size(file) == bytes);
    }

    /**
     * Writes the whole reserve and makes it durable. Random bytes, not zeros: a compressing filesystem (ZFS, btrfs)
     * would store zeros as holes and hold nothing.
     */
    void hold() throws IOException {
        Files.deleteIfExists(staging);
        try (FileChannel channel = FileChannel.open(staging, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] noise = new byte[CHUNK];
            ThreadLocalRandom.current().nextBytes(noise);
            ByteBuffer chunk = ByteBuffer.wrap(noise);
            long written = 0;
            while (written < bytes) {
                chunk.clear().limit((int) Math.min(CHUNK, bytes - written));
                while (chunk.hasRemaining()) {
                    written += channel.write(chunk, written);
                }
            }
            channel.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(staging);
            throw e;
        }
        Files.move(staging, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        DurableFiles.syncDirectory(file.getParent());
    }

    /** Gives the space back to the filesystem. */
    void release() throws IOException {
        Files.deleteIfExists(staging);
        Files.deleteIfExists(file);
    }
}
