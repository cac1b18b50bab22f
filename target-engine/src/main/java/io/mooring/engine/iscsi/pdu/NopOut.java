package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** NOP-Out (RFC 7143 11.18): a ping from the initiator, or the answer to our NOP-In. */
public final class NopOut extends InitiatorPdu {

    public NopOut(byte[] header, ByteBuf data) {
        super(header, data);
    }

    @Override
    public int opcode() {
        return Opcodes.NOP_OUT;
    }

    public int targetTransferTag() {
        return Bhs.getInt(header(), 20);
    }

    public int cmdSn() {
        return Bhs.getInt(header(), 24);
    }
}
