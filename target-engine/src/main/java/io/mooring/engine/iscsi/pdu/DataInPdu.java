package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.channel.FileRegion;

/**
 * SCSI Data-In (RFC 7143 11.7). Its data is a buffer or, for zero-copy reads, a file region that the encoder
 * hands to the socket as is. The last Data-In may carry the command's status (S bit).
 */
public final class DataInPdu extends TargetPdu {

    private static final int FINAL = 0x80;
    private static final int STATUS = 0x01;

    private final FileRegion region;
    private final int flags;
    private final int status;
    private final long lunField;
    private final int initiatorTaskTag;
    private final int dataSn;
    private final int bufferOffset;
    private final int residualCount;

    private DataInPdu(ByteBuf data, FileRegion region, int flags, int status, long lunField, int initiatorTaskTag,
                      int dataSn, int bufferOffset, int residualCount) {
        super(data);
        this.region = region;
        this.flags = flags;
        this.status = status;
        this.lunField = lunField;
        this.initiatorTaskTag = initiatorTaskTag;
        this.dataSn = dataSn;
        this.bufferOffset = bufferOffset;
        this.residualCount = residualCount;
    }

    /** A Data-In without status; {@code endOfBurst} sets F at the end of a MaxBurstLength sequence. */
    public static DataInPdu data(ByteBuf data, FileRegion region, boolean endOfBurst, long lunField,
                                 int initiatorTaskTag, int dataSn, int bufferOffset) {
        return new DataInPdu(data, region, endOfBurst ? FINAL : 0, 0, lunField, initiatorTaskTag, dataSn,
                bufferOffset, 0);
    }

    /** The last Data-In of a command, carrying its status and residual. */
    public static DataInPdu withStatus(ByteBuf data, FileRegion region, int status, int residualFlags,
                                       int residualCount, long lunField, int initiatorTaskTag, int dataSn,
                                       int bufferOffset) {
        return new DataInPdu(data, region, FINAL | STATUS | residualFlags, status, lunField, initiatorTaskTag, dataSn,
                bufferOffset, residualCount);
    }

    @Override
    public int opcode() {
        return Opcodes.DATA_IN;
    }

    @Override
    public boolean carriesStatus() {
        return (flags & STATUS) != 0;
    }

    /** The zero-copy payload, or null when the payload is {@link #data()}. */
    public FileRegion region() {
        return region;
    }

    @Override
    public int dataSegmentLength() {
        return region != null ? (int) region.count() : super.dataSegmentLength();
    }

    public int flags() {
        return flags;
    }

    public int dataSn() {
        return dataSn;
    }

    public int bufferOffset() {
        return bufferOffset;
    }

    public int residualCount() {
        return residualCount;
    }

    @Override
    protected void encodeFields(ByteBuf out, int start) {
        out.setByte(start + 1, flags);
        out.setByte(start + 3, status);
        out.setLong(start + 8, lunField);
        out.setInt(start + 16, initiatorTaskTag);
        out.setInt(start + 20, Opcodes.RESERVED_TAG);
        if (!carriesStatus()) {
            out.setInt(start + 24, 0);
        }
        out.setInt(start + 36, dataSn);
        out.setInt(start + 40, bufferOffset);
        out.setInt(start + 44, residualCount);
    }

    @Override
    protected void deallocate() {
        super.deallocate();
        if (region != null) {
            region.release();
        }
    }
}
