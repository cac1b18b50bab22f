package io.mooring.engine.scsi.spc;

import static io.mooring.engine.scsi.Cdb.put16;
import static io.mooring.engine.scsi.Cdb.put32;
import static io.mooring.engine.scsi.Cdb.u16;
import static io.mooring.engine.scsi.Cdb.u24;
import static io.mooring.engine.scsi.Cdb.u32;
import static io.mooring.engine.scsi.Cdb.u64;
import static io.mooring.engine.scsi.Cdb.u8;

import io.mooring.engine.scsi.Responses;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.lun.CopyResults;
import io.mooring.engine.scsi.lun.LogicalUnit;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.util.Arrays;

/**
 * EXTENDED COPY (LID1) with block-to-block segments, and RECEIVE COPY RESULTS (COPY STATUS, OPERATING PARAMETERS).
 *
 * <p>The only copy target a descriptor may name is the logical unit the command was sent to (identified by its NAA
 * designator): the session's access to this LU, write protection included, is then exactly what the copy gets, so
 * a copy can never reach a LUN the session was not granted. Copies run to completion before status, in chunks.
 */
public final class ExtendedCopy {

    static final int MAX_TARGET_DESCRIPTORS = 2;
    static final int MAX_SEGMENT_DESCRIPTORS = 16;
    static final int MAX_DESCRIPTOR_LIST_LENGTH = 512;
    static final int MAX_SEGMENT_BYTES = 8 << 20;

    private static final int HEADER_LENGTH = 16;
    private static final int TARGET_DESCRIPTOR_LENGTH = 32;
    private static final int IDENTIFICATION_TARGET_DESCRIPTOR = 0xe4;
    private static final int BLOCK_TO_BLOCK_SEGMENT = 0x02;
    private static final int BLOCK_TO_BLOCK_LENGTH = 28;
    private static final int NUL = 0x20;
    private static final int LIST_ID_USAGE_DISCARD = 0x3;
    private static final int COPY_CHUNK = 1 << 20;
    private static final int COPY_STATUS = 0x00;
    private static final int OPERATING_PARAMETERS = 0x03;
    private static final int COPY_COMPLETED_WITHOUT_ERRORS = 0x01;

    private static final Sense COPY_ABORTED = Sense.of(0x0a, 0x00, 0x00);
    private static final Sense UNREACHABLE_COPY_TARGET = Sense.of(0x0a, 0x08, 0x04);
    private static final Sense COPY_TARGET_DEVICE_NOT_REACHABLE = Sense.of(0x0a, 0x0d, 0x02);
    private static final Sense TOO_MANY_TARGET_DESCRIPTORS = Sense.of(Sense.ILLEGAL_REQUEST, 0x26, 0x06);
    private static final Sense UNSUPPORTED_TARGET_DESCRIPTOR_TYPE = Sense.of(Sense.ILLEGAL_REQUEST, 0x26, 0x07);
    private static final Sense TOO_MANY_SEGMENT_DESCRIPTORS = Sense.of(Sense.ILLEGAL_REQUEST, 0x26, 0x08);
    private static final Sense UNSUPPORTED_SEGMENT_DESCRIPTOR_TYPE = Sense.of(Sense.ILLEGAL_REQUEST, 0x26, 0x09);

    private ExtendedCopy() {
    }

    /** One validated block-to-block segment, in bytes. */
    private record Segment(long source, long destination, int length) {
    }

    public static ScsiResponse extendedCopy(LogicalUnit lu, ScsiCommand command) throws IOException {
        long listLength = u32(command.cdb(), 10);
        if (listLength == 0) {
            return ScsiResponse.good();
        }
        ByteBuf dataOut = command.dataOut();
        if (listLength < HEADER_LENGTH || dataOut == null || dataOut.readableBytes() < listLength
                || listLength > HEADER_LENGTH + MAX_DESCRIPTOR_LIST_LENGTH) {
            throw new SenseException(Sense.PARAMETER_LIST_LENGTH_ERROR);
        }
        byte[] list = new byte[(int) listLength];
        dataOut.getBytes(dataOut.readerIndex(), list);
        int listId = u8(list, 0);
        int listIdUsage = (list[1] & 0x18) >>> 3;
        int targetsLength = u16(list, 2);
        long segmentsLength = u32(list, 8);
        long inlineLength = u32(list, 12);
        if (HEADER_LENGTH + targetsLength + segmentsLength + inlineLength > listLength) {
            throw new SenseException(Sense.PARAMETER_LIST_LENGTH_ERROR);
        }
        if (inlineLength != 0) {
            throw new SenseException(Sense.invalidFieldInParameterList(12, Sense.WHOLE_BYTE));
        }
        int targets = targetsLength / TARGET_DESCRIPTOR_LENGTH;
        if (targets > MAX_TARGET_DESCRIPTORS) {
            throw new SenseException(TOO_MANY_TARGET_DESCRIPTORS);
        }
        int segmentsStart = HEADER_LENGTH + targetsLength;
        int segmentsEnd = segmentsStart + (int) segmentsLength;
        int segmentCount = countSegments(list, segmentsStart, segmentsEnd);
        if (segmentCount > MAX_SEGMENT_DESCRIPTORS) {
            throw new SenseException(TOO_MANY_SEGMENT_DESCRIPTORS);
        }
        for (int t = 0; t < targets; t++) {
            checkTarget(lu, list, HEADER_LENGTH + t * TARGET_DESCRIPTOR_LENGTH);
        }
        Segment[] segments = new Segment[segmentCount];
        for (int at = segmentsStart, i = 0; at < segmentsEnd; at += u16(list, at + 2) + 4, i++) {
            segments[i] = segment(lu, list, at, targets);
        }
        lu.checkWritable();
        long copied = 0;
        for (Segment segment : segments) {
            copy(lu, segment);
            copied += segment.length();
        }
        lu.counters().bytesWritten(copied);
        if (listIdUsage != LIST_ID_USAGE_DISCARD) {
            lu.copyResults().put(command.nexus(), listId, new CopyResults.Outcome(segments.length, copied));
        }
        return Responses.good(!lu.writeCacheEnabled());
    }

    private static int countSegments(byte[] list, int start, int end) {
        int count = 0;
        for (int at = start; at < end; at += u16(list, at + 2) + 4) {
            if (at + 4 > end || at + u16(list, at + 2) + 4 > end) {
                throw new SenseException(Sense.PARAMETER_LIST_LENGTH_ERROR);
            }
            count++;
        }
        return count;
    }

    /**
     * An identification descriptor (E4h) naming this very LU by its NAA designator, as a block device. The LU ID TYPE
     * is not looked at: the designator alone identifies the LU.
     */
    private static void checkTarget(LogicalUnit lu, byte[] list, int at) {
        if (u8(list, at) != IDENTIFICATION_TARGET_DESCRIPTOR) {
            throw new SenseException(UNSUPPORTED_TARGET_DESCRIPTOR_TYPE);
        }
        byte[] naa = lu.naaIdentifier();
        int designatorType = list[at + 5] & 0x0f;
        int designatorLength = u8(list, at + 7);
        boolean thisLu = (list[at + 1] & NUL) == 0
                && (list[at + 1] & 0x1f) == 0
                && designatorType == 0x3
                && designatorLength == naa.length
                && Arrays.equals(list, at + 8, at + 8 + naa.length, naa, 0, naa.length)
                && u24(list, at + 29) == lu.blockSize();
        if (!thisLu) {
            throw new SenseException(COPY_TARGET_DEVICE_NOT_REACHABLE);
        }
    }

    private static Segment segment(LogicalUnit lu, byte[] list, int at, int targets) {
        if (u8(list, at) != BLOCK_TO_BLOCK_SEGMENT || u16(list, at + 2) + 4 != BLOCK_TO_BLOCK_LENGTH) {
            throw new SenseException(UNSUPPORTED_SEGMENT_DESCRIPTOR_TYPE);
        }
        if (u16(list, at + 4) >= targets || u16(list, at + 6) >= targets) {
            throw new SenseException(UNREACHABLE_COPY_TARGET);
        }
        int blocks = u16(list, at + 10);
        long source = u64(list, at + 12);
        long destination = u64(list, at + 20);
        try {
            lu.checkRange(source, blocks);
            lu.checkRange(destination, blocks);
        } catch (SenseException outOfRange) {
            throw new SenseException(COPY_ABORTED);
        }
        int length = blocks << lu.blockShift();
        if (length > MAX_SEGMENT_BYTES) {
            throw new SenseException(Sense.invalidFieldInParameterList(at + 10, Sense.WHOLE_BYTE));
        }
        return new Segment(source << lu.blockShift(), destination << lu.blockShift(), length);
    }

    /** Copies chunk by chunk; backwards when the destination overlaps the source from above, like memmove. */
    private static void copy(LogicalUnit lu, Segment segment) throws IOException {
        boolean backwards = segment.destination() > segment.source()
                && segment.destination() < segment.source() + segment.length();
        ByteBuf chunk = PooledByteBufAllocator.DEFAULT.directBuffer(Math.min(COPY_CHUNK, Math.max(1, segment.length())));
        try {
            for (int done = 0; done < segment.length(); ) {
                int part = Math.min(COPY_CHUNK, segment.length() - done);
                int offset = backwards ? segment.length() - done - part : done;
                lu.backend().read(chunk.nioBuffer(0, part), segment.source() + offset);
                long destination = segment.destination() + offset;
                long locked = lu.rangeLocks().lock(destination, part);
                try {
                    lu.backend().write(chunk.nioBuffer(0, part), destination);
                } finally {
                    lu.rangeLocks().unlock(locked);
                }
                done += part;
            }
        } finally {
            chunk.release();
        }
    }

    // ---- RECEIVE COPY RESULTS ----

    public static ScsiResponse receiveCopyResults(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        long allocationLength = u32(cdb, 10);
        return switch (cdb[1] & 0x1f) {
            case COPY_STATUS -> Responses.parameterData(copyStatus(lu, command, u8(cdb, 2)), allocationLength);
            case OPERATING_PARAMETERS -> Responses.parameterData(operatingParameters(lu), allocationLength);
            default -> throw new SenseException(Sense.invalidFieldInCdb(1, 4));
        };
    }

    private static byte[] copyStatus(LogicalUnit lu, ScsiCommand command, int listId) {
        CopyResults.Outcome outcome = lu.copyResults().get(command.nexus(), listId);
        if (outcome == null) {
            throw new SenseException(Sense.invalidFieldInCdb(2, Sense.WHOLE_BYTE));
        }
        byte[] data = new byte[12];
        put32(data, 0, data.length - 4);
        data[4] = COPY_COMPLETED_WITHOUT_ERRORS;
        put16(data, 5, outcome.segmentsProcessed());
        data[7] = 0x00;                    // TRANSFER COUNT UNITS: bytes
        put32(data, 8, Math.min(outcome.bytesTransferred(), 0xffff_ffffL));
        return data;
    }

    private static byte[] operatingParameters(LogicalUnit lu) {
        byte[] implemented = {BLOCK_TO_BLOCK_SEGMENT, (byte) IDENTIFICATION_TARGET_DESCRIPTOR};
        byte[] data = new byte[44 + implemented.length];
        put32(data, 0, data.length - 4);
        put16(data, 8, MAX_TARGET_DESCRIPTORS);
        put16(data, 10, MAX_SEGMENT_DESCRIPTORS);
        put32(data, 12, MAX_DESCRIPTOR_LIST_LENGTH);
        put32(data, 16, MAX_SEGMENT_BYTES);
        put16(data, 34, 1);                // TOTAL CONCURRENT COPIES
        data[36] = 1;                      // MAXIMUM CONCURRENT COPIES
        data[37] = (byte) lu.blockShift(); // DATA SEGMENT GRANULARITY (log2)
        data[43] = (byte) implemented.length;
        System.arraycopy(implemented, 0, data, 44, implemented.length);
        return data;
    }

    /**
     * Third-party Copy VPD page body (8Fh): supported commands, parameter data and supported descriptors.
     */
    static byte[] thirdPartyCopyPage() {
        byte[] commands = {
            0x00, 0x01, 0x00, 0x00,                        // type 0001h, length patched below
            0x07,                                          // COMMANDS SUPPORTED LIST LENGTH
            (byte) 0x83, 0x01, 0x00,                       // EXTENDED COPY: LID1
            (byte) 0x84, 0x02, COPY_STATUS, OPERATING_PARAMETERS,
        };
        put16(commands, 2, commands.length - 4);
        byte[] parameters = new byte[32];
        put16(parameters, 0, 0x0008);
        put16(parameters, 2, parameters.length - 4);
        put16(parameters, 8, MAX_TARGET_DESCRIPTORS);
        put16(parameters, 10, MAX_SEGMENT_DESCRIPTORS);
        put32(parameters, 12, MAX_DESCRIPTOR_LIST_LENGTH);
        byte[] descriptors = {0x00, 0x04, 0x00, 0x04, 0x02, BLOCK_TO_BLOCK_SEGMENT, (byte) IDENTIFICATION_TARGET_DESCRIPTOR, 0};
        byte[] page = new byte[commands.length + parameters.length + descriptors.length];
        System.arraycopy(commands, 0, page, 0, commands.length);
        System.arraycopy(parameters, 0, page, commands.length, parameters.length);
        System.arraycopy(descriptors, 0, page, commands.length + parameters.length, descriptors.length);
        return page;
    }
}
