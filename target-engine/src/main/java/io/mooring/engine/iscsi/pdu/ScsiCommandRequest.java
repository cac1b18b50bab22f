package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** SCSI Command (RFC 7143 11.3); the data segment holds immediate data. */
public final class ScsiCommandRequest extends InitiatorPdu {

    public ScsiCommandRequest(byte[] header, ByteBuf data) {
        super(header, data);
    }

    @Override
    public int opcode() {
        return Opcodes.SCSI_COMMAND;
    }

    private static final int CDB_LENGTH = 16;

    public boolean read() {
        return (header()[1] & 0x40) != 0;
    }

    public boolean write() {
        return (header()[1] & 0x20) != 0;
    }

    /** ATTR field: 0 untagged, 1 simple, 2 ordered, 3 head of queue, 4 ACA. */
    public int taskAttribute() {
        return header()[1] & 0x07;
    }

    public int expectedDataTransferLength() {
        return Bhs.getInt(header(), 20);
    }

    public int cmdSn() {
        return Bhs.getInt(header(), 24);
    }

    /** A copy of the 16-byte CDB field (extended CDB AHS is not supported: the decoder refuses AHS). */
    public byte[] cdb() {
        byte[] cdb = new byte[CDB_LENGTH];
        System.arraycopy(header(), 32, cdb, 0, CDB_LENGTH);
        return cdb;
    }

    public int cdbOpcode() {
        return header()[32] & 0xff;
    }
}
