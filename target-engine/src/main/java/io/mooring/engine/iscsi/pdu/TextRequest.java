package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** Text Request (RFC 7143 11.10). */
public final class TextRequest extends InitiatorPdu {

    public TextRequest(byte[] header, ByteBuf data) {
        super(header, data);
    }

    @Override
    public int opcode() {
        return Opcodes.TEXT_REQUEST;
    }

    public boolean continueFlag() {
        return (header()[1] & 0x40) != 0;
    }

    public int targetTransferTag() {
        return Bhs.getInt(header(), 20);
    }

    public int cmdSn() {
        return Bhs.getInt(header(), 24);
    }
}
