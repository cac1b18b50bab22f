package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** Text Response (RFC 7143 11.11); C set means more text follows on the initiator's next (empty) request. */
public final class TextResponse extends TargetPdu {

    private final boolean finalFlag;
    private final boolean continueFlag;
    private final long lunField;
    private final int initiatorTaskTag;
    private final int targetTransferTag;

    public TextResponse(boolean finalFlag, boolean continueFlag, long lunField, int initiatorTaskTag,
                        int targetTransferTag, ByteBuf data) {
        super(data);
        this.finalFlag = finalFlag;
        this.continueFlag = continueFlag;
        this.lunField = lunField;
        this.initiatorTaskTag = initiatorTaskTag;
        this.targetTransferTag = targetTransferTag;
    }

    @Override
    public int opcode() {
        return Opcodes.TEXT_RESPONSE;
    }

    public boolean finalFlag() {
        return finalFlag;
    }

    public boolean continueFlag() {
        return continueFlag;
    }

    public int targetTransferTag() {
        return targetTransferTag;
    }

    @Override
    protected void encodeFields(ByteBuf out, int start) {
        out.setByte(start + 1, (finalFlag ? 0x80 : 0) | (continueFlag ? 0x40 : 0));
        out.setLong(start + 8, lunField);
        out.setInt(start + 16, initiatorTaskTag);
        out.setInt(start + 20, targetTransferTag);
    }
}
