package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * A PDU the target sends. The connection stamps the sequence numbers ({@link #sequence}) right before it writes
 * the PDU, so that every PDU carries the window as it is at that moment.
 */
public abstract class TargetPdu extends IscsiPdu {

    protected int statSn;
    protected int expCmdSn;
    protected int maxCmdSn;

    protected TargetPdu(ByteBuf data) {
        super(data);
    }

    /** Whether sending this PDU consumes a StatSN (RFC 7143 4.2.2.2). */
    public boolean carriesStatus() {
        return true;
    }

    public TargetPdu sequence(int statSn, int expCmdSn, int maxCmdSn) {
        this.statSn = statSn;
        this.expCmdSn = expCmdSn;
        this.maxCmdSn = maxCmdSn;
        return this;
    }

    public int statSn() {
        return statSn;
    }

    /** Writes the 48-byte BHS; the DataSegmentLength field is {@link #dataSegmentLength()}. */
    public final void encodeHeader(ByteBuf out) {
        int start = out.writerIndex();
        out.writeZero(BHS_LENGTH);
        out.setByte(start, opcode());
        out.setMedium(start + 5, dataSegmentLength());
        out.setInt(start + 24, statSn);
        out.setInt(start + 28, expCmdSn);
        out.setInt(start + 32, maxCmdSn);
        encodeFields(out, start);
    }

    /** Sets this PDU's own fields into the zeroed BHS at {@code start}. */
    protected abstract void encodeFields(ByteBuf out, int start);
}
