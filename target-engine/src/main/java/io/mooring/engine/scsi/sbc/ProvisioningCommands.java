package io.mooring.engine.scsi.sbc;

import static io.mooring.engine.scsi.Cdb.put32;
import static io.mooring.engine.scsi.Cdb.put64;
import static io.mooring.engine.scsi.Cdb.u16;
import static io.mooring.engine.scsi.Cdb.u32;
import static io.mooring.engine.scsi.Cdb.u64;
import static io.mooring.engine.scsi.Cdb.u8;

import io.mooring.engine.scsi.Responses;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.lun.LogicalUnit;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.util.BitSet;

/**
 * Thin provisioning and atomic update: WRITE SAME (10/16, with UNMAP), UNMAP, GET LBA STATUS, COMPARE AND WRITE.
 * Deallocated blocks read as zeros, whether the backend punched a hole or wrote zeros (see BlockBackend).
 */
public final class ProvisioningCommands {

    private static final int UNMAP = 0x08;
    private static final int ANCHOR = 0x10;
    private static final int PBDATA_LBDATA = 0x06;
    private static final int NDOB = 0x01;
    private static final int FUA = 0x08;
    private static final int STATUS_MAPPED = 0;
    private static final int STATUS_DEALLOCATED = 1;
    /** GET LBA STATUS inspects at most this much per command; the initiator asks again from where it stopped. */
    private static final long LBA_STATUS_SCAN_BYTES = 16L << 20;
    /** WRITE SAME writes its repeated block in chunks of this many bytes. */
    private static final int WRITE_SAME_CHUNK = 1 << 20;

    private ProvisioningCommands() {
    }

    // ---- WRITE SAME ----

    public static ScsiResponse writeSame10(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        return writeSame(lu, command, u32(cdb, 2), u16(cdb, 7), 7, false);
    }

    public static ScsiResponse writeSame16(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        return writeSame(lu, command, u64(cdb, 2), u32(cdb, 10), 10, (cdb[1] & NDOB) != 0);
    }

    /**
     * Writes one block (NDOB: zeros) over a range, which leaves it mapped, as an initiator that clears UNMAP asks
     * (Linux zeroes with REQ_NOUNMAP so). With UNMAP the range is deallocated instead and the data block ignored,
     * as SBC-3 permits and initiators expect: deallocated blocks read as zeros.
     * A zero NUMBER OF LOGICAL BLOCKS (at CDB byte {@code blocksField}) means "to the end" (WSNZ=0). A fully
     * provisioned LU (LBPWS=0) refuses the UNMAP bit, as its VPD page says and as Linux's target does.
     */
    private static ScsiResponse writeSame(LogicalUnit lu, ScsiCommand command, long lba, long blocks, int blocksField,
                                          boolean noDataOut) throws IOException {
        byte[] cdb = command.cdb();
        BlockCommands.checkNoProtection(cdb);
        int unsupported = cdb[1] & (ANCHOR | PBDATA_LBDATA);
        if (unsupported != 0) {
            throw new SenseException(Sense.invalidFieldInCdb(1, Sense.leftmostBit(unsupported)));
        }
        if ((cdb[1] & UNMAP) != 0 && !lu.backend().thinProvisioned()) {
            lu.checkWritable(); // a write-protected LU answers whatever would change the medium with DATA PROTECT
            throw new SenseException(Sense.invalidFieldInCdb(1, Sense.leftmostBit(UNMAP)));
        }
        int blockSize = lu.blockSize();
        ByteBuf dataOut = command.dataOut();
        int expectedDataOut = noDataOut ? 0 : blockSize;
        int received = dataOut == null ? 0 : dataOut.readableBytes();
        if (command.expectedTransferLength() != expectedDataOut || received != expectedDataOut) {
            throw new SenseException(Sense.INVALID_FIELD_IN_CDB);
        }
        long count = blocks == 0 ? lu.blockCount() - lba : blocks;
        lu.checkRange(lba, count);
        if ((count << lu.blockShift()) > BlockLimits.MAX_WRITE_SAME_BYTES) {
            throw new SenseException(Sense.invalidFieldInCdb(blocksField, Sense.WHOLE_BYTE));
        }
        lu.checkWritable();
        long offset = lba << lu.blockShift();
        long length = count << lu.blockShift();
        long locked = lu.rangeLocks().lock(offset, length);
        try {
            if ((cdb[1] & UNMAP) != 0) {
                lu.backend().deallocate(offset, length);
            } else {
                writeRepeated(lu, noDataOut ? null : dataOut, offset, length);
            }
        } finally {
            lu.rangeLocks().unlock(locked);
        }
        lu.counters().bytesWritten(length);
        return Responses.good(!lu.writeCacheEnabled());
    }

    /** {@code block} {@code null}: zeros. */
    private static void writeRepeated(LogicalUnit lu, ByteBuf block, long offset, long length) throws IOException {
        int blockSize = lu.blockSize();
        int chunk = (int) Math.min(WRITE_SAME_CHUNK, length);
        ByteBuf pattern = PooledByteBufAllocator.DEFAULT.directBuffer(chunk);
        try {
            if (block == null) {
                pattern.writeZero(chunk);
            }
            while (pattern.writerIndex() < chunk) {
                pattern.writeBytes(block, block.readerIndex(), blockSize);
            }
            for (long done = 0; done < length; done += chunk) {
                int part = (int) Math.min(chunk, length - done);
                lu.backend().write(pattern.nioBuffer(0, part), offset + done);
            }
        } finally {
            pattern.release();
        }
    }

    // ---- UNMAP ----

    /**
     * Validates every descriptor before deallocating any, so a bad list changes nothing. A fully provisioned LU
     * (LBPU=0) has no UNMAP: INVALID COMMAND OPERATION CODE, as Linux's target answers.
     */
    public static ScsiResponse unmap(LogicalUnit lu, ScsiCommand command) throws IOException {
        if (!lu.backend().thinProvisioned()) {
            lu.checkWritable(); // a write-protected LU answers whatever would change the medium with DATA PROTECT
            throw new SenseException(Sense.INVALID_OPCODE);
        }
        byte[] cdb = command.cdb();
        if ((cdb[1] & 0x01) != 0) {
            throw new SenseException(Sense.invalidFieldInCdb(1, 0));
        }
        int listLength = u16(cdb, 7);
        if (listLength == 0) {
            return ScsiResponse.good();
        }
        ByteBuf dataOut = command.dataOut();
        if (listLength < 8 || dataOut == null || dataOut.readableBytes() < listLength) {
            throw new SenseException(Sense.PARAMETER_LIST_LENGTH_ERROR);
        }
        byte[] list = new byte[listLength];
        dataOut.getBytes(dataOut.readerIndex(), list);
        int descriptorBytes = Math.min(u16(list, 2), listLength - 8) & ~15;
        int descriptors = descriptorBytes / 16;
        if (descriptors > BlockLimits.MAX_UNMAP_DESCRIPTORS) {
            throw new SenseException(Sense.invalidFieldInParameterList(2, Sense.WHOLE_BYTE));
        }
        long total = 0;
        for (int i = 0; i < descriptors; i++) {
            long lba = u64(list, 8 + i * 16);
            long blocks = u32(list, 16 + i * 16);
            lu.checkRange(lba, blocks);
            total += blocks;
            if ((total << lu.blockShift()) > BlockLimits.MAX_UNMAP_BYTES) {
                // the NUMBER OF LOGICAL BLOCKS that took the list past the limit
                throw new SenseException(Sense.invalidFieldInParameterList(16 + i * 16, Sense.WHOLE_BYTE));
            }
        }
        lu.checkWritable();
        for (int i = 0; i < descriptors; i++) {
            long offset = u64(list, 8 + i * 16) << lu.blockShift();
            long length = u32(list, 16 + i * 16) << lu.blockShift();
            if (length == 0) {
                continue;
            }
            long locked = lu.rangeLocks().lock(offset, length);
            try {
                lu.backend().deallocate(offset, length);
            } finally {
                lu.rangeLocks().unlock(locked);
            }
        }
        return ScsiResponse.good();
    }

    // ---- GET LBA STATUS ----

    /**
     * Runs of mapped and deallocated blocks from the starting LBA, as many as the allocation length holds; one
     * command inspects at most {@link #LBA_STATUS_SCAN_BYTES}, the initiator asks again from where the answer ends.
     */
    public static ScsiResponse getLbaStatus(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        long lba = u64(cdb, 2);
        long allocationLength = u32(cdb, 10);
        long capacity = lu.blockCount();
        if (lba < 0 || lba >= capacity) {
            throw new SenseException(Sense.LBA_OUT_OF_RANGE);
        }
        int maxDescriptors = (int) Math.max(1, Math.min(BlockLimits.MAX_UNMAP_DESCRIPTORS, (allocationLength - 8) / 16));
        int scanned = (int) Math.min(capacity - lba, LBA_STATUS_SCAN_BYTES >>> lu.blockShift());
        BitSet deallocated = new BitSet(scanned);
        lu.backend().deallocatedBlocks(lba << lu.blockShift(), scanned, deallocated);
        byte[] data = new byte[8 + maxDescriptors * 16];
        int count = 0;
        for (int runStart = 0; runStart < scanned && count < maxDescriptors; ) {
            boolean runDeallocated = deallocated.get(runStart);
            int runEnd = runDeallocated ? deallocated.nextClearBit(runStart) : deallocated.nextSetBit(runStart);
            if (runEnd < 0 || runEnd > scanned) {
                runEnd = scanned;
            }
            int at = 8 + count++ * 16;
            put64(data, at, lba + runStart);
            put32(data, at + 8, runEnd - runStart);
            data[at + 12] = (byte) (runDeallocated ? STATUS_DEALLOCATED : STATUS_MAPPED);
            runStart = runEnd;
        }
        put32(data, 0, 4 + count * 16L);
        return Responses.parameterData(data, 8 + count * 16, allocationLength);
    }

    // ---- COMPARE AND WRITE ----

    /**
     * Compares the first half of the Data-Out with the medium and, when equal, writes the second half, holding the
     * range lock throughout so no other write can land in between. A mismatch is MISCOMPARE DURING VERIFY with the
     * offset of the first differing byte in INFORMATION.
     */
    public static ScsiResponse compareAndWrite(LogicalUnit lu, ScsiCommand command) throws IOException {
        byte[] cdb = command.cdb();
        BlockCommands.checkNoProtection(cdb);
        long lba = u64(cdb, 2);
        int blocks = u8(cdb, 13);
        if (blocks > BlockLimits.MAX_COMPARE_AND_WRITE_BLOCKS) {
            throw new SenseException(Sense.invalidFieldInCdb(13, Sense.WHOLE_BYTE));
        }
        lu.checkRange(lba, blocks);
        int length = blocks << lu.blockShift();
        ByteBuf dataOut = command.dataOut();
        int received = dataOut == null ? 0 : dataOut.readableBytes();
        if (command.expectedTransferLength() != 2 * length || received != 2 * length) {
            throw new SenseException(Sense.invalidFieldInCdb(13, Sense.WHOLE_BYTE));
        }
        if (blocks == 0) {
            return ScsiResponse.good();
        }
        lu.checkWritable();
        long offset = lba << lu.blockShift();
        long locked = lu.rangeLocks().lock(offset, length);
        try {
            ByteBuf medium = BlockCommands.readBuffer(lu, offset, length);
            try {
                int mismatch = BlockCommands.firstMismatch(medium, 0, dataOut, dataOut.readerIndex(), length);
                if (mismatch >= 0) {
                    throw new SenseException(Sense.MISCOMPARE_DURING_VERIFY.withInformation(mismatch));
                }
            } finally {
                medium.release();
            }
            BlockCommands.writeFrom(lu, dataOut, dataOut.readerIndex() + length, length, offset);
        } finally {
            lu.rangeLocks().unlock(locked);
        }
        lu.counters().bytesWritten(length);
        return Responses.good((cdb[1] & FUA) != 0 || !lu.writeCacheEnabled());
    }
}
