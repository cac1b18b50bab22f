package io.mooring.volume;

import io.mooring.boot.MooringConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

/**
 * Where a volume's blocks live: a sparse file {@code <dataDir>/volumes/<id>.img} by default, or a raw block device
 * from {@code mooring.backend.raw-devices}. All methods block; callers run them off the event loop.
 */
@ApplicationScoped
public class BackingStore {

    static final long GIB = 1L << 30;
    /** Zeroed when a raw device is taken, so a new owner never sees the previous one's partition table or superblock. */
    static final int RAW_WIPE_BYTES = 1 << 20;

    @Inject
    MooringConfig config;

    public Path fileFor(UUID volumeId) {
        return config.dataDir().resolve("volumes").resolve(volumeId + ".img").toAbsolutePath();
    }

    public List<Path> rawDevices() {
        return config.backend().rawDevices().orElse(List.of());
    }

    /** Allocating a sparse file is instant: no block is written until the initiator writes. */
    public void createSparseFile(Path file, int sizeGib) throws IOException {
        Files.createDirectories(file.getParent());
        Files.createFile(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(sizeGib * GIB);
        }
    }

    /** Takes a raw device for a new volume: checks it is big enough and zeroes its first MiB. */
    public void claimRawDevice(Path device, int sizeGib) throws IOException {
        try (FileChannel channel = FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long capacity = channel.size();
            if (capacity > 0 && capacity < sizeGib * GIB) {
                throw new IOException("device " + device + " holds " + capacity + " bytes, less than " + sizeGib + " GiB");
            }
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(RAW_WIPE_BYTES, capacity > 0 ? capacity : RAW_WIPE_BYTES));
            while (zeros.hasRemaining()) {
                channel.write(zeros, zeros.position());
            }
            channel.force(true);
        }
    }

    /** Frees a volume's store: deletes the file; a raw device simply returns to the pool (it is wiped when next taken). */
    public void release(Volume volume) throws IOException {
        if (!volume.rawDevice) {
            Files.deleteIfExists(Path.of(volume.backingPath));
        }
    }
}
