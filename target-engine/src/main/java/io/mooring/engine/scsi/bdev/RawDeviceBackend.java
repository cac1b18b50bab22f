package io.mooring.engine.scsi.bdev;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A LUN on a raw block device (e.g. {@code /dev/loop0}, an LVM volume). A block device's {@code FileChannel.size()}
 * is 0, so the size and logical block size come from sysfs: {@code /sys/class/block/<name>/size} counts 512-byte
 * sectors whatever the device's block size; the block sizes come from {@code queue/}.
 *
 * <p>Thin provisioned when the device both discards and zeroes in place ({@code queue/discard_max_bytes} and
 * {@code queue/write_zeroes_max_bytes} non-zero, e.g. a loop device over a sparse file, most SSDs): deallocation is
 * {@code fallocate(PUNCH_HOLE)} on the device, which the kernel turns into WRITE ZEROES with unmapping allowed, so
 * the range reads as zeros and the device may free it. Which blocks it freed the device does not say: GET LBA STATUS
 * reports every block mapped. Other devices get zeros written and report full provisioning.
 */
public final class RawDeviceBackend extends ChannelBackend {

    private static final int SYSFS_SECTOR = 512;
    private static final Path SYS_BLOCK = Path.of("/sys/class/block");

    private final Path sysfsDir;

    private RawDeviceBackend(FileChannel channel, boolean readOnly, Path sysfsDir, int blockSize, int physicalBlockSize,
                             int holeFd) throws IOException {
        super(channel, readOnly, blockSize, physicalBlockSize, sectors(sysfsDir) * SYSFS_SECTOR, holeFd);
        this.sysfsDir = sysfsDir;
    }

    public static RawDeviceBackend open(Path device, boolean readOnly) throws IOException {
        Path real = device.toRealPath();
        Path sysfsDir = sysfsDir(device, real);
        int blockSize = (int) queueAttribute(sysfsDir, "logical_block_size", SYSFS_SECTOR);
        int physicalBlockSize = (int) queueAttribute(sysfsDir, "physical_block_size", SYSFS_SECTOR);
        FileChannel channel = openChannel(real, readOnly);
        int holeFd = -1;
        try {
            holeFd = readOnly ? -1 : holePunchingDescriptor(real, sysfsDir);
            return new RawDeviceBackend(channel, readOnly, sysfsDir, blockSize, physicalBlockSize, holeFd);
        } catch (IOException | RuntimeException e) {
            if (holeFd >= 0) {
                Libc.close(holeFd);
            }
            channel.close();
            throw e;
        }
    }

    /** A descriptor for deallocating on {@code device}, or -1 (logged once) where it cannot both discard and zero. */
    private static int holePunchingDescriptor(Path device, Path sysfsDir) throws IOException {
        String refusal = Libc.UNAVAILABLE;
        if (refusal == null) {
            long discard = queueAttribute(sysfsDir, "discard_max_bytes", 0);
            long writeZeroes = queueAttribute(sysfsDir, "write_zeroes_max_bytes", 0);
            if (discard > 0 && writeZeroes > 0) {
                return Libc.open(device, Libc.O_RDWR);
            }
            refusal = "discard_max_bytes " + discard + ", write_zeroes_max_bytes " + writeZeroes;
        }
        reportNoDeallocation(device.toString(), refusal);
        return -1;
    }

    @Override
    protected long readSize() throws IOException {
        return sectors(sysfsDir) * SYSFS_SECTOR;
    }

    /** A block device has no SEEK_DATA/SEEK_HOLE. */
    @Override
    protected boolean holesFindable() {
        return false;
    }

    /** Device data is not sent with sendfile: reads go through a pooled buffer. */
    @Override
    public FileChannel zeroCopyChannel() {
        return null;
    }

    /** The bytes the block device {@code device} holds (from sysfs, as the LU reads them). */
    public static long sizeOf(Path device) throws IOException {
        return sectors(sysfsDir(device, device.toRealPath())) * SYSFS_SECTOR;
    }

    private static Path sysfsDir(Path device, Path real) throws IOException {
        Path sysfsDir = SYS_BLOCK.resolve(real.getFileName().toString());
        if (!Files.isDirectory(sysfsDir)) {
            throw new IOException(device + " is not a block device (no " + sysfsDir + ")");
        }
        return sysfsDir;
    }

    private static long sectors(Path sysfsDir) throws IOException {
        return Long.parseLong(Files.readString(sysfsDir.resolve("size")).trim());
    }

    /** A queue/ attribute in bytes; a partition has no queue/ of its own, its parent disk's applies. */
    private static long queueAttribute(Path sysfsDir, String name, long absent) throws IOException {
        Path own = sysfsDir.resolve("queue").resolve(name);
        Path parent = sysfsDir.toRealPath().getParent().resolve("queue").resolve(name);
        Path source = Files.exists(own) ? own : parent;
        return Files.exists(source) ? Long.parseLong(Files.readString(source).trim()) : absent;
    }
}
