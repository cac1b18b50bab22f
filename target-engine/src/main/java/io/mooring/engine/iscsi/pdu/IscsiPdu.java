package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AbstractReferenceCounted;

/**
 * One iSCSI PDU: the typed fields of its Basic Header Segment plus its data segment. The PDU owns its data
 * segment; releasing the PDU releases the data.
 */
public abstract class IscsiPdu extends AbstractReferenceCounted {

    /** Length of the Basic Header Segment. */
    public static final int BHS_LENGTH = 48;

    private final ByteBuf data;

    protected IscsiPdu(ByteBuf data) {
        this.data = data == null ? Unpooled.EMPTY_BUFFER : data;
    }

    public abstract int opcode();

    /** The data segment (without padding and digest). */
    public ByteBuf data() {
        return data;
    }

    public int dataSegmentLength() {
        return data.readableBytes();
    }

    @Override
    protected void deallocate() {
        data.release();
    }

    @Override
    public IscsiPdu touch(Object hint) {
        data.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[dsl=" + dataSegmentLength() + "]";
    }
}
