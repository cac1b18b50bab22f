package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** NOP-In (RFC 7143 11.19): our answer to a NOP-Out ping, or our own ping (then ITT is reserved). */
public final class NopIn extends TargetPdu {

    private final long lunField;
    private final int initiatorTaskTag;
    private final int targetTransferTag;

    public NopIn(long lunField, int initiatorTaskTag, int targetTransferTag, ByteBuf data) {
        super(data);
        this.lunField = lunField;
        this.initiatorTaskTag = initiatorTaskTag;
        this.targetTransferTag = targetTransferTag;
    }

    @Override
    public int opcode() {
        return Opcodes.NOP_IN;
    }

    /** A ping of ours (ITT reserved) does not advance StatSN. */
    @Override
    public boolean carriesStatus() {
        return initiatorTaskTag != Opcodes.RESERVED_TAG;
    }

    public int targetTransferTag() {
        return targetTransferTag;
    }

    @Override
    protected void encodeFields(ByteBuf out, int start) {
        out.setByte(start + 1, 0x80);
        out.setLong(start + 8, lunField);
        out.setInt(start + 16, initiatorTaskTag);
        out.setInt(start + 20, targetTransferTag);
    }
}
