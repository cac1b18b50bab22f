package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** SCSI Data-Out (RFC 7143 11.7): write data, unsolicited or answering an R2T. */
public final class DataOut extends InitiatorPdu {

    public DataOut(byte[] header, ByteBuf data) {
        super(header, data);
    }

    @Override
    public int opcode() {
        return Opcodes.DATA_OUT;
    }

    public int targetTransferTag() {
        return Bhs.getInt(header(), 20);
    }

    public int dataSn() {
        return Bhs.getInt(header(), 36);
    }

    public int bufferOffset() {
        return Bhs.getInt(header(), 40);
    }
}
