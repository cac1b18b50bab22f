package io.mooring.engine.iscsi.conn;

import io.mooring.engine.iscsi.node.TargetRegistry;
import io.mooring.engine.iscsi.pdu.InitiatorPdu;
import io.mooring.engine.iscsi.pdu.IscsiProtocolException;
import io.mooring.engine.iscsi.pdu.LogoutRequest;
import io.mooring.engine.iscsi.pdu.LogoutResponse;
import io.mooring.engine.iscsi.pdu.NopIn;
import io.mooring.engine.iscsi.pdu.NopOut;
import io.mooring.engine.iscsi.pdu.Opcodes;
import io.mooring.engine.iscsi.pdu.RejectPdu;
import io.mooring.engine.iscsi.pdu.TaskManagementRequest;
import io.mooring.engine.iscsi.pdu.TextRequest;
import io.mooring.engine.iscsi.session.IscsiSession;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiResponse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.IOException;

/**
 * The last stage of a connection in full feature phase: hands tasks whose data is in to the SCSI layer and their
 * completions back out, and answers NOP-Out, task management, text and logout (RFC 7143 11.18, 11.5, 11.10,
 * 11.14). What is
 * left here is refused: Login and SCSI traffic in a discovery session close the connection, SNACK needs
 * ErrorRecoveryLevel > 0, anything else is an unsupported command.
 */
final class FullFeatureHandler extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(FullFeatureHandler.class);

    private final Connection connection;
    private final IscsiSession session;
    private final TaskManagement taskManagement;
    private final TextExchange text;

    FullFeatureHandler(Connection connection, TargetRegistry registry) {
        this.connection = connection;
        this.session = connection.session;
        this.taskManagement = new TaskManagement(connection);
        this.text = new TextExchange(connection, registry);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof IscsiTask) {
            IscsiTask task = (IscsiTask) msg;
            if (!connection.closing()) {
                execute(task);
            }
            return;
        }
        if (!(msg instanceof InitiatorPdu)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        InitiatorPdu pdu = (InitiatorPdu) msg;
        try {
            if (!connection.closing()) {
                dispatch(pdu);
            }
        } catch (RuntimeException e) {
            LOG.warn("closing {}: unexpected failure handling {}", ctx.channel(), pdu, e);
            connection.close();
        } finally {
            pdu.release();
        }
    }

    private void dispatch(InitiatorPdu pdu) {
        int opcode = pdu.opcode();
        if (session.discovery() && opcode != Opcodes.TEXT_REQUEST && opcode != Opcodes.LOGOUT_REQUEST
                && opcode != Opcodes.NOP_OUT) {
            connection.rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
            return;
        }
        switch (opcode) {
            case Opcodes.NOP_OUT:
                onNopOut((NopOut) pdu);
                break;
            case Opcodes.TASK_MANAGEMENT_REQUEST:
                taskManagement.onRequest((TaskManagementRequest) pdu);
                break;
            case Opcodes.TEXT_REQUEST:
                text.onRequest((TextRequest) pdu);
                break;
            case Opcodes.LOGOUT_REQUEST:
                onLogout((LogoutRequest) pdu);
                break;
            case Opcodes.LOGIN_REQUEST:
                connection.rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
                break;
            case Opcodes.SNACK_REQUEST:
                connection.reject(pdu.header(), RejectPdu.PROTOCOL_ERROR); // SNACK needs ErrorRecoveryLevel > 0
                break;
            default:
                connection.reject(pdu.header(), RejectPdu.COMMAND_NOT_SUPPORTED);
        }
    }

    private void execute(IscsiTask task) {
        task.executing = true;
        ScsiCommand command = new ScsiCommand(session.nexus(), task.lun, task.cdb, task.expectedLength,
                task.attribute, task.initiatorTaskTag, session.readOnly(), task.dataOut, task.arrivalNanos);
        try {
            session.node().device().execute(command, task);
        } catch (RuntimeException e) {
            LOG.warn("SCSI layer failed on opcode 0x{}", Integer.toHexString(command.opcode()), e);
            if (!task.completed) {
                task.complete(new ScsiResponse(ScsiResponse.CHECK_CONDITION, TransportSense.INTERNAL_FAILURE, null));
            }
        }
    }

    /** The SCSI layer finished {@code task}; on the event loop. */
    void completed(IscsiTask task) {
        if (task.completed) {
            return;
        }
        task.completed = true;
        connection.tasks.remove(task);
        task.releaseDataOut();
        if (task.aborted || connection.closing()) {
            task.abandoned();
            ScsiResponse response = task.response();
            if (response != null && response.dataIn() != null) {
                response.dataIn().release();
            }
            if (task.abortWait != null) {
                taskManagement.abortFinished(task.abortWait);
            }
            return;
        }
        connection.respond(task);
    }

    /** NOP-Out (RFC 7143 11.18): echoed with its data, unless it answers our ping (then it needs no answer). */
    private void onNopOut(NopOut nop) {
        if (nop.initiatorTaskTag() == Opcodes.RESERVED_TAG) {
            return; // the answer to a ping: Keepalive already saw the connection alive
        }
        ByteBuf data = nop.data();
        ByteBuf echo = null;
        if (data.isReadable()) {
            int length = Math.min(data.readableBytes(), connection.params.initiatorMaxRecvDataSegmentLength());
            echo = data.retainedSlice(data.readerIndex(), length);
        }
        connection.send(new NopIn(nop.lunField(), nop.initiatorTaskTag(), Opcodes.RESERVED_TAG, echo));
    }

    private void onLogout(LogoutRequest request) {
        if (request.reason() == LogoutRequest.REMOVE_FOR_RECOVERY) {
            connection.send(new LogoutResponse(request.initiatorTaskTag(), LogoutResponse.RECOVERY_NOT_SUPPORTED));
            return;
        }
        connection.tasks.abortAll(Connection.ALL_LUNS, null);
        connection.sendAndClose(new LogoutResponse(request.initiatorTaskTag(), LogoutResponse.CLOSED_SUCCESSFULLY));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // stop reading new commands while the socket cannot take their responses
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        session.protocolError();
        if (cause instanceof IscsiProtocolException) {
            IscsiProtocolException e = (IscsiProtocolException) cause;
            LOG.debug("{}: {}", ctx.channel(), e.getMessage());
            if (e.rejectedHeader() != null && !connection.closing()) {
                connection.rejectAndClose(e.rejectedHeader(), e.rejectReason());
                return;
            }
        } else if (!(cause instanceof IOException)) {
            LOG.warn("closing {}", ctx.channel(), cause);
        }
        connection.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.closed();
        connection.tasks.releaseAll();
        text.release();
        if (!session.discovery()) {
            try {
                session.node().release(session);
            } catch (RuntimeException e) {
                LOG.warn("SCSI layer failed to drop nexus {}", session.nexus(), e);
            }
        }
        ctx.fireChannelInactive();
    }
}
