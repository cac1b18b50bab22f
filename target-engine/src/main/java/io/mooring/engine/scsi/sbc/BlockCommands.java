package io.mooring.engine.scsi.sbc;

import static io.mooring.engine.scsi.Cdb.put32;
import static io.mooring.engine.scsi.Cdb.put64;
import static io.mooring.engine.scsi.Cdb.u16;
import static io.mooring.engine.scsi.Cdb.u24;
import static io.mooring.engine.scsi.Cdb.u32;
import static io.mooring.engine.scsi.Cdb.u64;
import static io.mooring.engine.scsi.Cdb.u8;

import io.mooring.engine.scsi.DataIn;
import io.mooring.engine.scsi.Responses;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.lun.LogicalUnit;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * SBC-3 block commands. Cached file I/O runs on the caller's thread (the event loop): a page-cache hit costs less
 * than a thread hand-off; only fdatasync leaves it ({@link Responses#GOOD_WHEN_DURABLE}). Writes take the LU's
 * range locks so COMPARE AND WRITE is atomic; reads take none.
 */
public final class BlockCommands {

    private static final int FUA = 0x08;
    private static final int LBPME = 0x80;
    private static final int LBPRZ = 0x40;
    private static final int PROTECT_MASK = 0xe0;

    private BlockCommands() {
    }

    // ---- capacity ----

    public static ScsiResponse readCapacity10(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        if ((cdb[8] & 0x01) == 0 && u32(cdb, 2) != 0) {
            throw new SenseException(Sense.invalidFieldInCdb(2, Sense.WHOLE_BYTE));
        }
        byte[] data = new byte[8];
        put32(data, 0, Math.min(lu.blockCount() - 1, 0xffff_ffffL));
        put32(data, 4, lu.blockSize());
        return Responses.parameterData(data, data.length);
    }

    /**
     * LBPME: UNMAP and WRITE SAME give space back; LBPRZ: deallocated blocks read as zeros. Both only where the
     * backend really deallocates (thin provisioning), else both zero.
     */
    public static ScsiResponse readCapacity16(LogicalUnit lu, ScsiCommand command) {
        byte[] data = new byte[32];
        put64(data, 0, lu.blockCount() - 1);
        put32(data, 8, lu.blockSize());
        data[13] = (byte) lu.physicalBlockExponent();
        data[14] = (byte) (lu.backend().thinProvisioned() ? LBPME | LBPRZ : 0);
        return Responses.parameterData(data, u32(command.cdb(), 10));
    }

    // ---- READ ----

    public static ScsiResponse read6(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        int blocks = u8(cdb, 4);
        return read(lu, cdb, u24(cdb, 1) & 0x1f_ffff, blocks == 0 ? 256 : blocks);
    }

    public static ScsiResponse read10(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        return read(lu, cdb, u32(cdb, 2), u16(cdb, 7));
    }

    public static ScsiResponse read12(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        return read(lu, cdb, u32(cdb, 2), u32(cdb, 6));
    }

    public static ScsiResponse read16(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        return read(lu, cdb, u64(cdb, 2), u32(cdb, 10));
    }

    /** A file region when the backend allows zero copy, else a pooled direct buffer filled by a positional read. */
    private static ScsiResponse read(LogicalUnit lu, byte[] cdb, long lba, long blocks) {
        int length = transferLength(lu, cdb, lba, blocks);
        if (length == 0) {
            return ScsiResponse.good();
        }
        long offset = lba << lu.blockShift();
        FileChannel zeroCopy = lu.backend().zeroCopyChannel();
        DataIn data = zeroCopy != null
                ? new DataIn.FileRegion(zeroCopy, offset, length)
                : new DataIn.Buffer(readBuffer(lu, offset, length));
        lu.counters().bytesRead(length);
        return ScsiResponse.good(data);
    }

    // ---- WRITE ----

    public static ScsiResponse write6(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        int blocks = u8(cdb, 4);
        return write(lu, command, u24(cdb, 1) & 0x1f_ffff, blocks == 0 ? 256 : blocks, false);
    }

    public static ScsiResponse write10(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        return write(lu, command, u32(cdb, 2), u16(cdb, 7), (cdb[1] & FUA) != 0);
    }

    public static ScsiResponse write12(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        return write(lu, command, u32(cdb, 2), u32(cdb, 6), (cdb[1] & FUA) != 0);
    }

    public static ScsiResponse write16(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        return write(lu, command, u64(cdb, 2), u32(cdb, 10), (cdb[1] & FUA) != 0);
    }

    /** WRITE AND VERIFY: the data is compared as it is written, so verifying means making it durable. */
    public static ScsiResponse writeAndVerify10(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        return write(lu, command, u32(cdb, 2), u16(cdb, 7), true);
    }

    public static ScsiResponse writeAndVerify12(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        return write(lu, command, u32(cdb, 2), u32(cdb, 6), true);
    }

    public static ScsiResponse writeAndVerify16(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        return write(lu, command, u64(cdb, 2), u32(cdb, 10), true);
    }

    /**
     * Writes what the initiator sent, up to the CDB's transfer length: when the iSCSI expected length is shorter,
     * only that much is written (the transport reports the residual).
     */
    private static ScsiResponse write(LogicalUnit lu, ScsiCommand command, long lba, long blocks, boolean fua)
            throws IOException {
        int length = transferLength(lu, command.cdb(), lba, blocks);
        lu.checkWritable();
        ByteBuf dataOut = command.dataOut();
        int written = dataOut == null ? 0 : Math.min(length, dataOut.readableBytes());
        if (written > 0) {
            long offset = lba << lu.blockShift();
            long locked = lu.rangeLocks().lock(offset, written);
            try {
                writeFrom(lu, dataOut, dataOut.readerIndex(), written, offset);
            } finally {
                lu.rangeLocks().unlock(locked);
            }
        }
        lu.counters().bytesWritten(written);
        return Responses.good(fua || !lu.writeCacheEnabled());
    }

    /** ORWRITE(16): ORs the Data-Out into the medium, read and write under the range lock so no write interleaves. */
    public static ScsiResponse orWrite16(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        int length = transferLength(lu, cdb, u64(cdb, 2), u32(cdb, 10));
        lu.checkWritable();
        ByteBuf dataOut = command.dataOut();
        int combined = dataOut == null ? 0 : Math.min(length, dataOut.readableBytes());
        if (combined > 0) {
            long offset = u64(cdb, 2) << lu.blockShift();
            long locked = lu.rangeLocks().lock(offset, combined);
            try {
                ByteBuf medium = readBuffer(lu, offset, combined);
                try {
                    orInto(medium.nioBuffer(0, combined), dataOut.nioBuffer(dataOut.readerIndex(), combined));
                    writeFrom(lu, medium, 0, combined, offset);
                } finally {
                    medium.release();
                }
            } finally {
                lu.rangeLocks().unlock(locked);
            }
        }
        lu.counters().bytesWritten(combined);
        return Responses.good((cdb[1] & FUA) != 0 || !lu.writeCacheEnabled());
    }

    // ---- VERIFY ----

    public static ScsiResponse verify10(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        return verify(lu, command, u32(cdb, 2), u16(cdb, 7));
    }

    public static ScsiResponse verify12(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        return verify(lu, command, u32(cdb, 2), u32(cdb, 6));
    }

    public static ScsiResponse verify16(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        return verify(lu, command, u64(cdb, 2), u32(cdb, 10));
    }

    /**
     * BYTCHK 0: the medium is readable, nothing to check; 1: compare the Data-Out with the medium; 3: compare one
     * Data-Out block with every block of the range.
     */
    private static ScsiResponse verify(LogicalUnit lu, ScsiCommand command, long lba, long blocks) {
        byte[] cdb = command.cdb();
        checkNoProtection(cdb);
        int byteCheck = (cdb[1] & 0x06) >>> 1;
        if (byteCheck == 2) {
            throw new SenseException(Sense.invalidFieldInCdb(1, 2));
        }
        int length = transferLength(lu, cdb, lba, blocks);
        if (byteCheck == 0 || length == 0) {
            return ScsiResponse.good();
        }
        int step = byteCheck == 1 ? length : lu.blockSize();
        ByteBuf dataOut = command.dataOut();
        if (dataOut == null || dataOut.readableBytes() < step) {
            throw new SenseException(Sense.PARAMETER_LIST_LENGTH_ERROR);
        }
        ByteBuf medium = readBuffer(lu, lba << lu.blockShift(), length);
        try {
            for (int at = 0; at < length; at += step) {
                int dataIndex = dataOut.readerIndex() + (byteCheck == 1 ? at : 0);
                int mismatch = firstMismatch(medium, at, dataOut, dataIndex, step);
                if (mismatch >= 0) {
                    throw new SenseException(Sense.MISCOMPARE_DURING_VERIFY.withInformation(at + mismatch));
                }
            }
        } finally {
            medium.release();
        }
        return ScsiResponse.good();
    }

    // ---- cache, prefetch ----

    public static ScsiResponse synchronizeCache10(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        return synchronizeCache(lu, u32(cdb, 2), u16(cdb, 7));
    }

    public static ScsiResponse synchronizeCache16(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        return synchronizeCache(lu, u64(cdb, 2), u32(cdb, 10));
    }

    /** fdatasync of the whole backend: cheaper than tracking dirty ranges, and the range is only a hint. */
    private static ScsiResponse synchronizeCache(LogicalUnit lu, long lba, long blocks) {
        lu.checkRange(lba, blocks);
        return Responses.GOOD_WHEN_DURABLE;
    }

    public static ScsiResponse prefetch10(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        lu.checkRange(u32(cdb, 2), u16(cdb, 7));
        return ScsiResponse.good();
    }

    public static ScsiResponse prefetch16(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        lu.checkRange(u64(cdb, 2), u32(cdb, 10));
        return ScsiResponse.good();
    }

    // ---- defect data ----

    /** A virtual disk has no defects: the requested lists are valid and empty, in the requested format. */
    public static ScsiResponse readDefectData10(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        byte[] data = new byte[4];
        data[1] = (byte) (cdb[2] & 0x1f);
        return Responses.parameterData(data, u16(cdb, 7));
    }

    public static ScsiResponse readDefectData12(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        byte[] data = new byte[8];
        data[1] = (byte) (cdb[1] & 0x1f);
        return Responses.parameterData(data, u32(cdb, 6));
    }

    // ---- shared helpers ----

    /**
     * Range-checks a transfer and returns its length in bytes; too long for one command is INVALID FIELD IN CDB
     * pointing at the TRANSFER LENGTH (or VERIFICATION LENGTH) field.
     */
    static int transferLength(LogicalUnit lu, byte[] cdb, long lba, long blocks) {
        lu.checkRange(lba, blocks);
        long bytes = blocks << lu.blockShift();
        if (bytes > BlockLimits.MAX_TRANSFER_BYTES) {
            throw new SenseException(Sense.invalidFieldInCdb(lengthField(cdb), Sense.WHOLE_BYTE));
        }
        return (int) bytes;
    }

    /** Where a READ/WRITE/VERIFY CDB keeps its length, by the size its opcode's group code gives it (SPC-4 4.2.5.1). */
    private static int lengthField(byte[] cdb) {
        return switch ((cdb[0] & 0xe0) >>> 5) {
            case 0 -> 4;
            case 4 -> 10;
            case 5 -> 6;
            default -> 7;
        };
    }

    /** RDPROTECT/WRPROTECT/VRPROTECT: the medium has no protection information, so only zero is valid. */
    static void checkNoProtection(byte[] cdb) {
        if ((cdb[1] & PROTECT_MASK) != 0) {
            throw new SenseException(Sense.invalidFieldInCdb(1, 7));
        }
    }

    static ByteBuf readBuffer(LogicalUnit lu, long offset, int length) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(length);
        try {
            lu.backend().read(buf.internalNioBuffer(0, length), offset);
            buf.writerIndex(length);
            return buf;
        } catch (IOException e) {
            buf.release();
            throw new SenseException(Sense.UNRECOVERED_READ_ERROR);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /**
     * Positional writes straight from the Data-Out buffer's own memory: no copy, and for the usual single-component
     * buffer no allocation either (the buffer's internal NIO view).
     */
    static void writeFrom(LogicalUnit lu, ByteBuf source, int index, int length, long offset) throws IOException {
        if (source.nioBufferCount() == 1) {
            lu.backend().write(source.internalNioBuffer(index, length), offset);
            return;
        }
        long position = offset;
        for (ByteBuffer part : source.nioBuffers(index, length)) {
            int partLength = part.remaining();
            lu.backend().write(part, position);
            position += partLength;
        }
    }

    /**
     * Offset of the first differing byte of two ranges, or -1. Works on NIO views: one bulk, vectorised comparison
     * instead of per-byte ByteBuf calls (which paranoid leak detection would trace one by one).
     */
    static int firstMismatch(ByteBuf a, int aIndex, ByteBuf b, int bIndex, int length) {
        return a.nioBuffer(aIndex, length).mismatch(b.nioBuffer(bIndex, length));
    }

    /** {@code target |= source}, a long at a time; both buffers have the same remaining length. */
    private static void orInto(ByteBuffer target, ByteBuffer source) {
        int length = target.remaining();
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            target.putLong(i, target.getLong(i) | source.getLong(i));
        }
        for (; i < length; i++) {
            target.put(i, (byte) (target.get(i) | source.get(i)));
        }
    }
}
