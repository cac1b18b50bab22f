package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** SNACK Request (RFC 7143 11.16); needs error recovery level 1, so it is always rejected here. */
public final class SnackRequest extends InitiatorPdu {

    public SnackRequest(byte[] header, ByteBuf data) {
        super(header, data);
    }

    @Override
    public int opcode() {
        return Opcodes.SNACK_REQUEST;
    }
}
