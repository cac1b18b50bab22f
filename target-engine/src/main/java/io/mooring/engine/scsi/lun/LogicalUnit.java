package io.mooring.engine.scsi.lun;

import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiCompletion;
import io.mooring.engine.scsi.bdev.BlockBackend;
import io.mooring.engine.scsi.pr.ReservationStore;
import io.mooring.engine.scsi.pr.Reservations;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One mapped logical unit: its backend, identity, counters and the state SPC/SBC keep per LU (unit attentions,
 * reservations, mode parameters, the sticky write failure after a failed fdatasync).
 */
public final class LogicalUnit {

    /** IEEE company id placed in the NAA identifier: the locally administered range, no registered OUI needed. */
    private static final long NAA_COMPANY_ID = 0x001405L;

    private final long lun;
    private final LunInventory inventory;
    private final String deviceId;
    private final BlockBackend backend;
    private final byte[] naaIdentifier;
    private final String serialNumber;
    private final LunCounters counters = new LunCounters();
    private final UnitAttentions unitAttentions = new UnitAttentions();
    private final Reservations reservations;
    private final RangeLocks rangeLocks = new RangeLocks();
    private final CopyResults copyResults = new CopyResults();
    private final int blockShift;
    private final GroupCommit groupCommit = new GroupCommit(this::flush);
    private volatile boolean writeCacheEnabled = true;
    private volatile boolean writeFailed;
    private volatile boolean softwareWriteProtected;

    /** @param reservationStore where APTPL reservation state is kept, or {@code null} for memory only */
    public LogicalUnit(long lun, String deviceId, BlockBackend backend, LunInventory inventory,
                       ReservationStore reservationStore) {
        if (Integer.bitCount(backend.blockSize()) != 1) {
            throw new IllegalArgumentException("block size " + backend.blockSize() + " is not a power of two");
        }
        this.lun = lun;
        this.inventory = inventory;
        this.deviceId = deviceId;
        this.backend = backend;
        byte[] digest = sha256(deviceId);
        this.naaIdentifier = naaIdentifier(digest);
        this.serialNumber = serialNumberOf(deviceId);
        this.blockShift = Integer.numberOfTrailingZeros(backend.blockSize());
        this.reservations = new Reservations(unitAttentions::raise, reservationStore);
    }

    public long lun() {
        return lun;
    }

    /** The LUNs of the device this LU belongs to (REPORT LUNS). */
    public LunInventory inventory() {
        return inventory;
    }

    public String deviceId() {
        return deviceId;
    }

    public BlockBackend backend() {
        return backend;
    }

    /** NAA IEEE Registered Extended (type 6) designator, 16 bytes, stable for a deviceId. Callers must not modify it. */
    public byte[] naaIdentifier() {
        return naaIdentifier;
    }

    public String serialNumber() {
        return serialNumber;
    }

    public LunCounters counters() {
        return counters;
    }

    public UnitAttentions unitAttentions() {
        return unitAttentions;
    }

    public Reservations reservations() {
        return reservations;
    }

    public RangeLocks rangeLocks() {
        return rangeLocks;
    }

    public CopyResults copyResults() {
        return copyResults;
    }

    public int blockSize() {
        return backend.blockSize();
    }

    /** LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT (READ CAPACITY(16)). */
    public int physicalBlockExponent() {
        return Integer.numberOfTrailingZeros(backend.physicalBlockSize() / backend.blockSize());
    }

    public int blockShift() {
        return blockShift;
    }

    /** Number of logical blocks. */
    public long blockCount() {
        return backend.size() >>> blockShift;
    }

    /** Ends the command with LBA OUT OF RANGE unless {@code [lba, lba + blocks)} lies inside the medium. */
    public void checkRange(long lba, long blocks) {
        long capacity = blockCount();
        if (lba < 0 || blocks < 0 || lba > capacity || blocks > capacity - lba) {
            throw new SenseException(Sense.LBA_OUT_OF_RANGE);
        }
    }

    /** Whether writes are cached (WCE=1: acknowledged from the page cache) or written through with fdatasync. */
    public boolean writeCacheEnabled() {
        return writeCacheEnabled;
    }

    public void writeCacheEnabled(boolean enabled) {
        writeCacheEnabled = enabled;
    }

    /** Whether writes from this command must be refused: read-only session, read-only backend, or SWP set. */
    public boolean writeProtected(ScsiCommand command) {
        return command.writeProtected() || backend.readOnly() || softwareWriteProtected;
    }

    /** Software write protect (control mode page SWP): the initiator made the medium read-only. */
    public boolean softwareWriteProtected() {
        return softwareWriteProtected;
    }

    public void softwareWriteProtected(boolean enabled) {
        softwareWriteProtected = enabled;
    }

    /** Ends the command with WRITE ERROR when a flush failed before: dirty data may be lost, so writes stop for good. */
    public void checkWritable() {
        if (writeFailed) {
            throw new SenseException(Sense.WRITE_ERROR);
        }
    }

    /**
     * fdatasync on the caller's thread. A failure is not retryable (the kernel may have dropped the dirty pages and a
     * second fdatasync can report success), so after one every flush and write of this LU fails.
     */
    public void flush() {
        checkWritable();
        try {
            backend.flush();
        } catch (IOException e) {
            writeFailed = true;
            throw new SenseException(Sense.WRITE_ERROR);
        }
    }

    /** Completes {@code done} once a flush covering every write completed so far has finished, off this thread. */
    public void flushThen(ScsiCompletion done) {
        groupCommit.flushThen(done);
    }

    /** The unit serial number (VPD 80h) a deviceId gets: stable, and safe to use in a file name. */
    public static String serialNumberOf(String deviceId) {
        return hex(sha256(deviceId), 10);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** NAA 6 layout: 4-bit NAA, 24-bit company id, 36-bit vendor id, 64-bit extension; both ids from the digest. */
    private static byte[] naaIdentifier(byte[] digest) {
        byte[] id = new byte[16];
        id[0] = (byte) (0x60 | NAA_COMPANY_ID >>> 20);
        id[1] = (byte) (NAA_COMPANY_ID >>> 12);
        id[2] = (byte) (NAA_COMPANY_ID >>> 4);
        id[3] = (byte) ((NAA_COMPANY_ID & 0xf) << 4 | (digest[0] & 0x0f));
        System.arraycopy(digest, 1, id, 4, 12);
        return id;
    }

    private static String hex(byte[] bytes, int count) {
        StringBuilder sb = new StringBuilder(count * 2);
        for (int i = 0; i < count; i++) {
            sb.append(String.format("%02x", bytes[i]));
        }
        return sb.toString();
    }
}
