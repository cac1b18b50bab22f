package io.mooring.engine.scsi.bdev;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A LUN on a raw block device (e.g. {@code /dev/loop0}, an LVM volume). A block device's {@code FileChannel.size()}
 * is 0, so the size and logical block size come from sysfs: {@code /sys/class/block/<name>/size} counts 512-byte
 * sectors whatever the device's block size; the block sizes come from {@code queue/}.
 */
public final class RawDeviceBackend extends ChannelBackend {

    private static final int SYSFS_SECTOR = 512;
    private static final Path SYS_BLOCK = Path.of("/sys/class/block");

    private final Path sysfsDir;

    private RawDeviceBackend(FileChannel channel, boolean readOnly, Path sysfsDir, int blockSize, int physicalBlockSize)
            throws IOException {
        super(channel, readOnly, blockSize, physicalBlockSize, sectors(sysfsDir) * SYSFS_SECTOR);
        this.sysfsDir = sysfsDir;
    }

    public static RawDeviceBackend open(Path device, boolean readOnly) throws IOException {
        Path real = device.toRealPath();
        Path sysfsDir = SYS_BLOCK.resolve(real.getFileName().toString());
        if (!Files.isDirectory(sysfsDir)) {
            throw new IOException(device + " is not a block device (no " + sysfsDir + ")");
        }
        int blockSize = queueAttribute(sysfsDir, "logical_block_size");
        int physicalBlockSize = queueAttribute(sysfsDir, "physical_block_size");
        FileChannel channel = openChannel(real, readOnly);
        try {
            return new RawDeviceBackend(channel, readOnly, sysfsDir, blockSize, physicalBlockSize);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    protected long readSize() throws IOException {
        return sectors(sysfsDir) * SYSFS_SECTOR;
    }

    /** Device data is not sent with sendfile: reads go through a pooled buffer. */
    @Override
    public FileChannel zeroCopyChannel() {
        return null;
    }

    private static long sectors(Path sysfsDir) throws IOException {
        return Long.parseLong(Files.readString(sysfsDir.resolve("size")).trim());
    }

    /** A queue/ attribute in bytes; a partition has no queue/ of its own, its parent disk's applies. */
    private static int queueAttribute(Path sysfsDir, String name) throws IOException {
        Path own = sysfsDir.resolve("queue").resolve(name);
        Path parent = sysfsDir.toRealPath().getParent().resolve("queue").resolve(name);
        Path source = Files.exists(own) ? own : parent;
        return Files.exists(source) ? Integer.parseInt(Files.readString(source).trim()) : SYSFS_SECTOR;
    }
}
