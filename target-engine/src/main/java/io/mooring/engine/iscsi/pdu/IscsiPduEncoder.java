package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Writes target PDUs: a header buffer (BHS + header digest), then the data segment as it is (a buffer or a file
 * region, never copied when large), then padding and data digest. Small segments are copied next to the header
 * so that one buffer goes out.
 */
public final class IscsiPduEncoder extends ChannelOutboundHandlerAdapter {

    /** Segments up to this size are copied into the header buffer: cheaper than a separate gather entry. */
    private static final int INLINE_DATA_LIMIT = 2048;

    private final Crc32c crc = new Crc32c();
    private boolean headerDigest;
    private boolean dataDigest;

    public void enableDigests(boolean header, boolean data) {
        this.headerDigest = header;
        this.dataDigest = data;
    }

    public boolean dataDigest() {
        return dataDigest;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof TargetPdu)) {
            ctx.write(msg, promise);
            return;
        }
        TargetPdu pdu = (TargetPdu) msg;
        try {
            encode(ctx, pdu, promise);
        } finally {
            pdu.release();
        }
    }

    private void encode(ChannelHandlerContext ctx, TargetPdu pdu, ChannelPromise promise) {
        int length = pdu.dataSegmentLength();
        int pad = -length & 3;
        boolean region = pdu instanceof DataInPdu && ((DataInPdu) pdu).region() != null;
        if (region && dataDigest) {
            throw new IllegalStateException("a file region cannot carry a data digest");
        }
        boolean inline = !region && length <= INLINE_DATA_LIMIT;
        ByteBuf header = ctx.alloc().directBuffer(IscsiPdu.BHS_LENGTH + 4 + (inline ? length + pad + 4 : 0));
        pdu.encodeHeader(header);
        if (headerDigest) {
            header.writeIntLE(crc.of(header, 0, IscsiPdu.BHS_LENGTH));
        }
        if (length == 0) {
            ctx.write(header, promise);
            return;
        }
        ByteBuf data = pdu.data();
        if (inline) {
            int dataStart = header.writerIndex();
            header.writeBytes(data, data.readerIndex(), length);
            header.writeZero(pad);
            if (dataDigest) {
                header.writeIntLE(crc.of(header, dataStart, length + pad));
            }
            ctx.write(header, promise);
            return;
        }
        ctx.write(header, ctx.voidPromise());
        Object payload = region ? ((DataInPdu) pdu).region().retain() : data.retainedDuplicate();
        if (pad == 0 && !dataDigest) {
            ctx.write(payload, promise);
            return;
        }
        ctx.write(payload, ctx.voidPromise());
        ByteBuf trailer = ctx.alloc().directBuffer(8);
        trailer.writeZero(pad);
        if (dataDigest) {
            crc.reset();
            crc.update(data, data.readerIndex(), length);
            crc.updateZeros(pad);
            trailer.writeIntLE(crc.value());
        }
        ctx.write(trailer, promise);
    }
}
