package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** Logout Response (RFC 7143 11.15). */
public final class LogoutResponse extends TargetPdu {

    public static final int CLOSED_SUCCESSFULLY = 0;
    public static final int CID_NOT_FOUND = 1;
    public static final int RECOVERY_NOT_SUPPORTED = 2;

    private final int initiatorTaskTag;
    private final int response;

    public LogoutResponse(int initiatorTaskTag, int response) {
        super(null);
        this.initiatorTaskTag = initiatorTaskTag;
        this.response = response;
    }

    @Override
    public int opcode() {
        return Opcodes.LOGOUT_RESPONSE;
    }

    public int response() {
        return response;
    }

    @Override
    protected void encodeFields(ByteBuf out, int start) {
        out.setByte(start + 1, 0x80);
        out.setByte(start + 2, response);
        out.setInt(start + 16, initiatorTaskTag);
        // Time2Wait and Time2Retain stay 0: error recovery level 0 keeps nothing to reconnect to
    }
}
