package io.mooring.engine.iscsi.conn;

import io.mooring.engine.iscsi.pdu.Bhs;
import io.mooring.engine.iscsi.pdu.InitiatorPdu;
import io.mooring.engine.iscsi.pdu.Opcodes;
import io.mooring.engine.iscsi.pdu.TargetPdu;
import io.mooring.engine.iscsi.session.CommandWindow;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.collection.IntObjectHashMap;

/**
 * Command numbering of the full feature phase (RFC 7143 4.2.2). Inbound, it passes commands on in CmdSN order
 * (4.2.2.1): immediate ones at once, the next expected one and any queued behind it in order, later ones in the
 * window queued, anything outside the window (or a duplicate) dropped silently; Data-Out, SNACK and Login carry
 * no CmdSN to order by and pass straight on. Outbound, it stamps every PDU with StatSN (advanced by those that
 * carry status), ExpCmdSN and MaxCmdSN.
 */
final class CommandSequencer extends ChannelDuplexHandler {

    private final CommandWindow window;
    private final IntObjectHashMap<InitiatorPdu> outOfOrder = new IntObjectHashMap<>();
    private int statSn;

    /** @param statSn the StatSN of the first status after the final Login Response */
    CommandSequencer(CommandWindow window, int statSn) {
        this.window = window;
        this.statSn = statSn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof InitiatorPdu)) {
            ctx.fireChannelRead(msg);
            return;
        }
        InitiatorPdu pdu = (InitiatorPdu) msg;
        if (pdu.immediate() || !numbered(pdu.opcode())) {
            ctx.fireChannelRead(pdu);
            return;
        }
        int cmdSn = Bhs.getInt(pdu.header(), 24);
        if (cmdSn == window.expCmdSn()) {
            window.advance();
            ctx.fireChannelRead(pdu);
            InitiatorPdu next;
            while (!outOfOrder.isEmpty() && (next = outOfOrder.remove(window.expCmdSn())) != null) {
                window.advance();
                ctx.fireChannelRead(next);
            }
            return;
        }
        if (window.inWindow(cmdSn) && !outOfOrder.containsKey(cmdSn)) {
            outOfOrder.put(cmdSn, pdu);
            return;
        }
        pdu.release();
    }

    private static boolean numbered(int opcode) {
        return opcode != Opcodes.DATA_OUT && opcode != Opcodes.SNACK_REQUEST && opcode != Opcodes.LOGIN_REQUEST;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof TargetPdu) {
            TargetPdu pdu = (TargetPdu) msg;
            pdu.sequence(pdu.carriesStatus() ? statSn++ : statSn, window.expCmdSn(), window.maxCmdSn());
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (InitiatorPdu pdu : outOfOrder.values()) {
            pdu.release();
        }
        outOfOrder.clear();
        ctx.fireChannelInactive();
    }
}
