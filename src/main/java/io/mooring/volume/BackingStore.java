package io.mooring.volume;

import io.mooring.boot.MooringConfig;
import io.mooring.engine.scsi.bdev.RawDeviceBackend;
import io.mooring.fs.DurableFiles;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where a volume's blocks live: a sparse file {@code <dataDir>/volumes/<id>.img} by default (mode 0600 in a directory
 * of mode 0700: a volume is its tenant's disk), or a raw block device from {@code mooring.backend.raw-devices}. All
 * methods block; callers run them off the event loop.
 */
@ApplicationScoped
public class BackingStore {

    public static final long GIB = 1L << 30;
    /** Zeroed when a raw device is taken, so a new owner never sees the previous one's partition table or superblock. */
    static final int RAW_WIPE_BYTES = 1 << 20;
    private static final String IMAGE_SUFFIX = ".img";

    @Inject
    MooringConfig config;

    public Path volumesDirectory() {
        return config.dataDir().resolve("volumes").toAbsolutePath();
    }

    public Path fileFor(UUID volumeId) {
        return volumesDirectory().resolve(volumeId + IMAGE_SUFFIX);
    }

    public List<Path> rawDevices() {
        return config.backend().rawDevices().orElse(List.of());
    }

    /**
     * Makes {@code file} a sparse file of {@code sizeGib} whose name and size are on disk when this returns (allocating
     * is instant: no block is written until the initiator writes). Idempotent, so reconciliation can finish a create a
     * crash interrupted: an existing file is kept, only its size is set.
     */
    public void createSparseFile(Path file, int sizeGib) throws IOException {
        Path directory = file.getParent();
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(DurableFiles.OWNER_ONLY_DIRECTORY));
            DurableFiles.syncDirectory(directory.getParent());
        }
        if (!Files.exists(file)) {
            Files.createFile(file, DurableFiles.ownerOnlyFile());
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(sizeGib * GIB);
            raf.getChannel().force(true);
        }
        DurableFiles.syncDirectory(directory);
    }

    /**
     * Grows a volume file to {@code sizeGib} (sparse: no block is written) and forces it and its directory, so the new
     * size is on disk before the target or the database is told. Never shrinks: a file at that size or larger is
     * kept, so finishing an extend again after a crash is harmless.
     */
    public void growFile(Path file, int sizeGib) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            if (raf.length() < sizeGib * GIB) {
                raf.setLength(sizeGib * GIB);
            }
            raf.getChannel().force(true);
        }
        DurableFiles.syncDirectory(file.getParent());
    }

    /** The bytes a raw device holds: a block device's as the target reads them (sysfs), a stand-in file's length. */
    public long rawDeviceBytes(Path device) throws IOException {
        return Files.isRegularFile(device) ? Files.size(device) : RawDeviceBackend.sizeOf(device);
    }

    /** Takes a raw device for a new volume: checks it is big enough and zeroes its first MiB. */
    public void claimRawDevice(Path device, int sizeGib) throws IOException {
        try (FileChannel channel = FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long capacity = rawDeviceBytes(device);
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

    /**
     * Frees a volume's store: deletes the file (durably: its directory is forced); a raw device simply returns to the
     * pool (it is wiped when next taken). Idempotent.
     */
    public void release(Volume volume) throws IOException {
        if (!volume.rawDevice) {
            removeFile(Path.of(volume.backingPath));
        }
    }

    /** Deletes a volume file durably; false if it was already gone. */
    public boolean removeFile(Path file) throws IOException {
        boolean removed = Files.deleteIfExists(file);
        if (removed) {
            DurableFiles.syncDirectory(file.getParent());
        }
        return removed;
    }

    /**
     * Moves a file that no volume has into {@code volumes/orphaned/} and returns where it went: kept, never deleted,
     * since such a file is a disk the database does not know (restored from an older backup, pointed at another
     * database), not something a crash left.
     */
    public Path setAside(Path file) throws IOException {
        Path orphaned = volumesDirectory().resolve("orphaned");
        if (!Files.isDirectory(orphaned)) {
            Files.createDirectories(orphaned, PosixFilePermissions.asFileAttribute(DurableFiles.OWNER_ONLY_DIRECTORY));
        }
        Path target = orphaned.resolve(file.getFileName());
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.syncDirectory(orphaned);
        DurableFiles.syncDirectory(file.getParent());
        return target;
    }

    /** The files under the volumes directory named like a volume's file ({@code <uuid>.img}), by volume id. */
    public Map<UUID, Path> volumeFiles() throws IOException {
        Map<UUID, Path> files = new LinkedHashMap<>();
        if (!Files.isDirectory(volumesDirectory())) {
            return files;
        }
        try (Stream<Path> entries = Files.list(volumesDirectory())) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                UUID id = name.endsWith(IMAGE_SUFFIX) ? uuid(name.substring(0, name.length() - IMAGE_SUFFIX.length())) : null;
                if (id != null && fileFor(id).equals(entry) && Files.isRegularFile(entry)) {
                    files.put(id, entry);
                }
            }
        }
        return files;
    }

    /**
     * Tightens what an older version created world-readable: the volumes directory to 0700, volume files to 0600.
     * Returns what it changed.
     */
    public List<Path> tightenModes() throws IOException {
        List<Path> changed = new ArrayList<>();
        if (!Files.isDirectory(volumesDirectory())) {
            return changed;
        }
        if (!Files.getPosixFilePermissions(volumesDirectory()).equals(DurableFiles.OWNER_ONLY_DIRECTORY)) {
            Files.setPosixFilePermissions(volumesDirectory(), DurableFiles.OWNER_ONLY_DIRECTORY);
            changed.add(volumesDirectory());
        }
        for (Path file : volumeFiles().values()) {
            if (!Files.getPosixFilePermissions(file).equals(DurableFiles.OWNER_ONLY_FILE)) {
                Files.setPosixFilePermissions(file, DurableFiles.OWNER_ONLY_FILE);
                changed.add(file);
            }
        }
        return changed;
    }

    private static UUID uuid(String text) {
        try {
            UUID id = UUID.fromString(text);
            return id.toString().equals(text) ? id : null;
        } catch (IllegalArgumentException notAVolume) {
            return null;
        }
    }
}
