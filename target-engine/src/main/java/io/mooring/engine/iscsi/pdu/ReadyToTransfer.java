package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** Ready To Transfer, R2T (RFC 7143 11.8): asks for one burst of a write's data. */
public final class ReadyToTransfer extends TargetPdu {

    private final long lunField;
    private final int initiatorTaskTag;
    private final int targetTransferTag;
    private final int r2tSn;
    private final int bufferOffset;
    private final int desiredLength;

    public ReadyToTransfer(long lunField, int initiatorTaskTag, int targetTransferTag, int r2tSn, int bufferOffset,
                           int desiredLength) {
        super(null);
        this.lunField = lunField;
        this.initiatorTaskTag = initiatorTaskTag;
        this.targetTransferTag = targetTransferTag;
        this.r2tSn = r2tSn;
        this.bufferOffset = bufferOffset;
        this.desiredLength = desiredLength;
    }

    @Override
    public int opcode() {
        return Opcodes.R2T;
    }

    @Override
    public boolean carriesStatus() {
        return false;
    }

    public int targetTransferTag() {
        return targetTransferTag;
    }

    public int r2tSn() {
        return r2tSn;
    }

    public int bufferOffset() {
        return bufferOffset;
    }

    public int desiredLength() {
        return desiredLength;
    }

    @Override
    protected void encodeFields(ByteBuf out, int start) {
        out.setByte(start + 1, 0x80);
        out.setLong(start + 8, lunField);
        out.setInt(start + 16, initiatorTaskTag);
        out.setInt(start + 20, targetTransferTag);
        out.setInt(start + 36, r2tSn);
        out.setInt(start + 40, bufferOffset);
        out.setInt(start + 44, desiredLength);
    }
}
