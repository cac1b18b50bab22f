package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * A PDU the initiator sends. Keeps a copy of its raw BHS so that a Reject can quote it (RFC 7143 11.17.1).
 */
public abstract class InitiatorPdu extends IscsiPdu {

    private final byte[] header;

    protected InitiatorPdu(byte[] header, ByteBuf data) {
        super(data);
        this.header = header;
    }

    /** The 48 BHS bytes as received. */
    public byte[] header() {
        return header;
    }

    public boolean immediate() {
        return (header[0] & 0x40) != 0;
    }

    public boolean finalFlag() {
        return (header[1] & 0x80) != 0;
    }

    public int initiatorTaskTag() {
        return Bhs.getInt(header, 16);
    }

    /** The raw 8-byte LUN field. */
    public long lunField() {
        return Bhs.getLong(header, 8);
    }
}
