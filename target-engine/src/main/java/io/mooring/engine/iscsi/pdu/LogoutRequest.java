package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** Logout Request (RFC 7143 11.14). */
public final class LogoutRequest extends InitiatorPdu {

    public LogoutRequest(byte[] header, ByteBuf data) {
        super(header, data);
    }

    @Override
    public int opcode() {
        return Opcodes.LOGOUT_REQUEST;
    }

    public static final int CLOSE_SESSION = 0;
    public static final int CLOSE_CONNECTION = 1;
    public static final int REMOVE_FOR_RECOVERY = 2;

    public int reason() {
        return header()[1] & 0x7f;
    }

    public int cmdSn() {
        return Bhs.getInt(header(), 24);
    }
}
