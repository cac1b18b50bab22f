package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** Login Request (RFC 7143 11.12); the data segment holds text keys. */
public final class LoginRequest extends InitiatorPdu {

    public LoginRequest(byte[] header, ByteBuf data) {
        super(header, data);
    }

    @Override
    public int opcode() {
        return Opcodes.LOGIN_REQUEST;
    }

    public boolean transit() {
        return (header()[1] & 0x80) != 0;
    }

    public boolean continueFlag() {
        return (header()[1] & 0x40) != 0;
    }

    public int currentStage() {
        return (header()[1] >> 2) & 0x03;
    }

    public int nextStage() {
        return header()[1] & 0x03;
    }

    public int versionMax() {
        return header()[2] & 0xff;
    }

    public int versionMin() {
        return header()[3] & 0xff;
    }

    public long isid() {
        return Bhs.getIsid(header());
    }

    public int tsih() {
        return Bhs.getShort(header(), 14);
    }

    public int cid() {
        return Bhs.getShort(header(), 20);
    }

    public int cmdSn() {
        return Bhs.getInt(header(), 24);
    }

    public int expStatSn() {
        return Bhs.getInt(header(), 28);
    }
}
