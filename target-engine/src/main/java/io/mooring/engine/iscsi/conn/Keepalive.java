package io.mooring.engine.iscsi.conn;

import io.mooring.engine.iscsi.pdu.NopIn;
import io.mooring.engine.iscsi.pdu.NopOut;
import io.mooring.engine.iscsi.pdu.Opcodes;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.util.concurrent.TimeUnit;

/**
 * NOP-Out and NOP-In (RFC 7143 11.18, 11.19): echoes an initiator's ping, and pings an initiator that has sent
 * nothing for the idle interval, closing the connection if it does not answer within the timeout. Any PDU
 * counts as an answer.
 */
final class Keepalive extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(Keepalive.class);

    private final Connection connection;
    private final long timeoutNanos;
    private ScheduledFuture<?> pingTimeout;

    Keepalive(Connection connection, long timeoutNanos) {
        this.connection = connection;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        cancelPing();
        if (!(msg instanceof NopOut) || connection.closing()) {
            ctx.fireChannelRead(msg);
            return;
        }
        NopOut nop = (NopOut) msg;
        try {
            if (nop.initiatorTaskTag() != Opcodes.RESERVED_TAG) {
                echo(nop);
            } // else the answer to our ping: any PDU already proved the connection alive
        } finally {
            nop.release();
        }
    }

    private void echo(NopOut nop) {
        ByteBuf data = nop.data();
        ByteBuf echo = null;
        if (data.isReadable()) {
            int length = Math.min(data.readableBytes(), connection.params.initiatorMaxRecvDataSegmentLength());
            echo = data.retainedSlice(data.readerIndex(), length);
        }
        connection.send(new NopIn(nop.lunField(), nop.initiatorTaskTag(), Opcodes.RESERVED_TAG, echo));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (pingTimeout == null && !connection.closing()) {
            int tag = connection.nextTransferTag();
            connection.send(new NopIn(0, Opcodes.RESERVED_TAG, tag, null));
            pingTimeout = ctx.executor().schedule(this::pingTimedOut, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void pingTimedOut() {
        if (pingTimeout != null) {
            LOG.info("{}: no answer to NOP-In ping, closing", connection.channel);
            pingTimeout = null;
            connection.close();
        }
    }

    private void cancelPing() {
        if (pingTimeout != null) {
            pingTimeout.cancel(false);
            pingTimeout = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelPing();
        ctx.fireChannelInactive();
    }
}
