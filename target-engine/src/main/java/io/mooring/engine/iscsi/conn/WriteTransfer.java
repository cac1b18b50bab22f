package io.mooring.engine.iscsi.conn;

import io.mooring.engine.iscsi.login.OperationalParameters;
import io.mooring.engine.iscsi.pdu.Bhs;
import io.mooring.engine.iscsi.pdu.DataOut;
import io.mooring.engine.iscsi.pdu.InitiatorPdu;
import io.mooring.engine.iscsi.pdu.Opcodes;
import io.mooring.engine.iscsi.pdu.ReadyToTransfer;
import io.mooring.engine.iscsi.pdu.RejectPdu;
import io.mooring.engine.iscsi.pdu.ScsiCommandRequest;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiResponse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.util.function.Consumer;

/**
 * Turns SCSI Command PDUs into tasks and gathers each write's data before the SCSI layer sees it (RFC 7143 11.7,
 * 11.8): immediate data, unsolicited Data-Out up to FirstBurstLength, then R2Ts of MaxBurstLength, at most
 * MaxOutstandingR2T at a time, each Data-Out checked against its burst, DataSN and offset. A task whose data is
 * all in (or that has none) goes on down the pipeline as an {@link IscsiTask}.
 */
final class WriteTransfer extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(WriteTransfer.class);
    /** Writes larger than this are refused rather than buffered. */
    static final int MAX_EXPECTED_LENGTH = 64 << 20;
    private static final ScsiCommand.TaskAttribute[] ATTRIBUTES = ScsiCommand.TaskAttribute.values();

    private final Connection connection;
    private final OperationalParameters params;
    private final TaskTable tasks;
    private final Consumer<IscsiTask> onCompletion;

    /** @param onCompletion where a task goes when the SCSI layer is done with it (on the event loop) */
    WriteTransfer(Connection connection, Consumer<IscsiTask> onCompletion) {
        this.connection = connection;
        this.params = connection.params;
        this.tasks = connection.tasks;
        this.onCompletion = onCompletion;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ScsiCommandRequest || msg instanceof DataOut)) {
            ctx.fireChannelRead(msg);
            return;
        }
        InitiatorPdu pdu = (InitiatorPdu) msg;
        try {
            if (connection.closing()) {
                return;
            }
            if (pdu instanceof DataOut) {
                onDataOut(ctx, (DataOut) pdu);
            } else {
                onCommand(ctx, (ScsiCommandRequest) pdu);
            }
        } catch (RuntimeException e) {
            LOG.warn("closing {}: unexpected failure handling {}", ctx.channel(), pdu, e);
            connection.close();
        } finally {
            pdu.release();
        }
    }

    private void onCommand(ChannelHandlerContext ctx, ScsiCommandRequest request) {
        int itt = request.initiatorTaskTag();
        if (itt == Opcodes.RESERVED_TAG || tasks.contains(itt)) {
            connection.reject(request.header(), RejectPdu.INVALID_PDU_FIELD);
            return;
        }
        // an EDTL of 2 GiB or more is bogus for any device here; keep arithmetic non-negative
        int edtl = request.expectedDataTransferLength();
        int expected = edtl < 0 ? Integer.MAX_VALUE : edtl;
        ByteBuf immediate = request.data();
        int immediateLength = immediate.readableBytes();
        boolean write = request.write();
        if (immediateLength > 0 && (!write || !params.immediateData()
                || immediateLength > params.firstBurstLength() || immediateLength > expected)) {
            connection.rejectAndClose(request.header(), RejectPdu.PROTOCOL_ERROR);
            return;
        }
        IscsiTask task = new IscsiTask(onCompletion, ctx.channel().eventLoop(), itt, tasks.nextSerial(),
                request.lunField(), Bhs.decodeLun(request.lunField()), expected, request.read(), write);
        task.cdb = request.cdb();
        task.attribute = ATTRIBUTES[Math.min(request.taskAttribute(), ATTRIBUTES.length - 1)];
        tasks.add(task);
        if (!write || expected == 0) {
            ctx.fireChannelRead(task);
            return;
        }
        if (Integer.compareUnsigned(expected, MAX_EXPECTED_LENGTH) > 0) {
            tasks.remove(task);
            tasks.rememberAborted(itt); // its unsolicited data, if any, is dropped quietly
            task.response(new ScsiResponse(ScsiResponse.CHECK_CONDITION, TransportSense.INVALID_FIELD, null));
            connection.respond(task);
            return;
        }
        if (immediateLength == expected && request.finalFlag()) {
            // the whole write came with the command: hand its segment over, no copy
            task.dataOut = immediate.retainedSlice(immediate.readerIndex(), immediateLength);
            task.received = immediateLength;
            ctx.fireChannelRead(task);
            return;
        }
        task.startGathering(ctx.alloc());
        task.gather(immediate);
        task.received = immediateLength;
        task.burstReceived = immediateLength;
        // F clear means unsolicited Data-Out follows; only legal when InitialR2T=No
        task.unsolicitedOpen = !request.finalFlag() && !params.initialR2T()
                && immediateLength < Math.min(params.firstBurstLength(), expected);
        if (!task.unsolicitedOpen) {
            task.burstReceived = 0;
            continueWrite(ctx, task);
        }
    }

    /** After a burst ended: pass the task on if all data is in, else ask for more with R2Ts. */
    private void continueWrite(ChannelHandlerContext ctx, IscsiTask task) {
        if (task.received == task.expectedLength) {
            if (task.outstandingR2ts == 0) {
                ctx.fireChannelRead(task);
            }
            return;
        }
        if (task.nextR2tOffset < task.received) {
            task.nextR2tOffset = task.received;
        }
        while (task.outstandingR2ts < params.maxOutstandingR2T() && task.nextR2tOffset < task.expectedLength) {
            int length = Math.min(params.maxBurstLength(), task.expectedLength - task.nextR2tOffset);
            connection.send(new ReadyToTransfer(task.lunField, task.initiatorTaskTag, task.transferTag(task.r2tSn),
                    task.r2tSn, task.nextR2tOffset, length));
            task.r2tSn++;
            task.outstandingR2ts++;
            task.nextR2tOffset += length;
        }
    }

    private void onDataOut(ChannelHandlerContext ctx, DataOut pdu) {
        int itt = pdu.initiatorTaskTag();
        IscsiTask task = tasks.get(itt);
        if (task == null || !task.write || task.executing) {
            if (!tasks.recentlyAborted(itt)) {
                connection.rejectAndClose(pdu.header(), RejectPdu.INVALID_PDU_FIELD);
            }
            return; // data of an aborted task is discarded
        }
        ByteBuf data = pdu.data();
        int length = data.readableBytes();
        int ttt = pdu.targetTransferTag();
        int limit;
        if (ttt == Opcodes.RESERVED_TAG) {
            if (!task.unsolicitedOpen) {
                connection.rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
                return;
            }
            limit = Math.min(params.firstBurstLength(), task.expectedLength);
        } else {
            if (task.unsolicitedOpen || task.outstandingR2ts == 0 || ttt != task.transferTag(task.oldestR2tSn)) {
                connection.rejectAndClose(pdu.header(), RejectPdu.INVALID_PDU_FIELD);
                return;
            }
            int sequenceStart = task.received - task.burstReceived;
            limit = Math.min(params.maxBurstLength(), task.expectedLength - sequenceStart);
        }
        if (pdu.dataSn() != task.expectedDataSn || pdu.bufferOffset() != task.received) {
            // the initiator fails the command on the Reject; the session survives (libiscsi expects this)
            tasks.abort(task, null);
            connection.reject(pdu.header(), RejectPdu.PROTOCOL_ERROR);
            return;
        }
        if (length > task.expectedLength - task.received || task.burstReceived + length > limit) {
            connection.rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
            return;
        }
        task.gather(data);
        task.received += length;
        task.burstReceived += length;
        task.expectedDataSn++;
        if (!pdu.finalFlag()) {
            return;
        }
        if (ttt == Opcodes.RESERVED_TAG) {
            task.unsolicitedOpen = false;
        } else {
            if (task.burstReceived != limit) {
                connection.rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
                return;
            }
            task.outstandingR2ts--;
            task.oldestR2tSn++;
        }
        task.expectedDataSn = 0;
        task.burstReceived = 0;
        continueWrite(ctx, task);
    }
}
