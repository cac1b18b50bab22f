package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** SCSI Response (RFC 7143 11.4); the data segment carries SenseLength + sense data. */
public final class ScsiResponsePdu extends TargetPdu {

    public static final int COMMAND_COMPLETED = 0x00;
    public static final int TARGET_FAILURE = 0x01;

    private final int initiatorTaskTag;
    private final int response;
    private final int status;
    private final int residualFlags;
    private final int residualCount;
    private final int expDataSn;

    /**
     * @param residualFlags {@link Residual#OVERFLOW} or {@link Residual#UNDERFLOW} or 0
     */
    public ScsiResponsePdu(int initiatorTaskTag, int response, int status, int residualFlags, int residualCount,
                           int expDataSn, ByteBuf senseSegment) {
        super(senseSegment);
        this.initiatorTaskTag = initiatorTaskTag;
        this.response = response;
        this.status = status;
        this.residualFlags = residualFlags;
        this.residualCount = residualCount;
        this.expDataSn = expDataSn;
    }

    @Override
    public int opcode() {
        return Opcodes.SCSI_RESPONSE;
    }

    public int status() {
        return status;
    }

    public int residualFlags() {
        return residualFlags;
    }

    public int residualCount() {
        return residualCount;
    }

    @Override
    protected void encodeFields(ByteBuf out, int start) {
        out.setByte(start + 1, 0x80 | residualFlags);
        out.setByte(start + 2, response);
        out.setByte(start + 3, status);
        out.setInt(start + 16, initiatorTaskTag);
        out.setInt(start + 36, expDataSn);
        out.setInt(start + 44, residualCount);
    }
}
