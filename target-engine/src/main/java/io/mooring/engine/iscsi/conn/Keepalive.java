package io.mooring.engine.iscsi.conn;

import io.mooring.engine.iscsi.pdu.NopIn;
import io.mooring.engine.iscsi.pdu.Opcodes;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.util.concurrent.TimeUnit;

/**
 * The first stage of the full feature phase: pings an initiator that has sent nothing for the idle interval with
 * a NOP-In (RFC 7143 11.19) and closes the connection if nothing answers within the timeout; any PDU counts as an
 * answer. As every inbound PDU passes here first, it also marks the connection's read batches (see
 * {@link Connection#readStarted()}).
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
        connection.readStarted();
        cancelPing();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        connection.readComplete();
        ctx.fireChannelReadComplete();
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
