package io.mooring.engine.iscsi.conn;

import io.mooring.engine.AccessGrant;
import io.mooring.engine.iscsi.login.LoginNegotiation;
import io.mooring.engine.iscsi.login.LoginStatus;
import io.mooring.engine.iscsi.login.OperationalParameters;
import io.mooring.engine.iscsi.login.ParameterNegotiator;
import io.mooring.engine.iscsi.login.TextFormatException;
import io.mooring.engine.iscsi.login.TextParameters;
import io.mooring.engine.iscsi.node.TargetNode;
import io.mooring.engine.iscsi.node.TargetRegistry;
import io.mooring.engine.iscsi.pdu.Bhs;
import io.mooring.engine.iscsi.pdu.DataInPdu;
import io.mooring.engine.iscsi.pdu.DataOut;
import io.mooring.engine.iscsi.pdu.InitiatorPdu;
import io.mooring.engine.iscsi.pdu.IscsiPduDecoder;
import io.mooring.engine.iscsi.pdu.IscsiPduEncoder;
import io.mooring.engine.iscsi.pdu.IscsiProtocolException;
import io.mooring.engine.iscsi.pdu.LoginRequest;
import io.mooring.engine.iscsi.pdu.LoginResponse;
import io.mooring.engine.iscsi.pdu.LogoutRequest;
import io.mooring.engine.iscsi.pdu.LogoutResponse;
import io.mooring.engine.iscsi.pdu.NopIn;
import io.mooring.engine.iscsi.pdu.NopOut;
import io.mooring.engine.iscsi.pdu.Opcodes;
import io.mooring.engine.iscsi.pdu.ReadyToTransfer;
import io.mooring.engine.iscsi.pdu.RejectPdu;
import io.mooring.engine.iscsi.pdu.Residual;
import io.mooring.engine.iscsi.pdu.ScsiCommandRequest;
import io.mooring.engine.iscsi.pdu.ScsiResponsePdu;
import io.mooring.engine.iscsi.pdu.TargetPdu;
import io.mooring.engine.iscsi.pdu.TaskManagementRequest;
import io.mooring.engine.iscsi.pdu.TaskManagementResponse;
import io.mooring.engine.iscsi.pdu.TextRequest;
import io.mooring.engine.iscsi.pdu.TextResponse;
import io.mooring.engine.iscsi.session.IscsiSession;
import io.mooring.engine.iscsi.session.SerialNumbers;
import io.mooring.engine.scsi.DataIn;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiDevice;
import io.mooring.engine.scsi.ScsiResponse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.FileRegion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One iSCSI connection: login, then full feature phase. Orders commands by CmdSN, gathers each write's Data-Out
 * (immediate, unsolicited, R2T-solicited) before the SCSI layer sees the command, splits read data into Data-In
 * PDUs, answers NOP, text, task management and logout, and pings an idle initiator. Everything runs on the
 * channel's event loop; the SCSI layer's completions are moved onto it by {@link IscsiTask}.
 */
public final class IscsiConnection extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(IscsiConnection.class);

    /** Largest text request or response we assemble (C-bit continuation included). */
    static final int MAX_TEXT = 65536;
    /** Writes larger than this are refused rather than buffered. */
    static final int MAX_EXPECTED_LENGTH = 64 << 20;
    private static final long ALL_LUNS = -1;
    /**
     * Reads up to this size are copied from the file into pooled buffers rather than sent as file regions: a
     * sendfile per small read costs more than the copy, and buffers of many responses leave in one writev.
     * Measured on loopback with fio/libiscsi: 4 KiB QD32 random reads 2x the IOPS of sendfile, 128 KiB +8%;
     * 1 MiB sequential reads 25% faster with sendfile.
     */
    private static final int COPY_BELOW = 128 * 1024;
    private static final ScsiCommand.TaskAttribute[] ATTRIBUTES = ScsiCommand.TaskAttribute.values();
    private static final byte[] INTERNAL_FAILURE_SENSE = fixedSense(0x04, 0x44, 0x00);
    private static final byte[] INVALID_FIELD_SENSE = fixedSense(0x05, 0x24, 0x00);

    private enum Phase { LOGIN, FULL_FEATURE, CLOSING }

    private final TargetRegistry registry;
    private final SecureRandom random;
    private final long nopTimeoutNanos;

    private ChannelHandlerContext ctx;
    private Phase phase = Phase.LOGIN;
    private volatile boolean loggingIn = true;
    private final AtomicBoolean evicted = new AtomicBoolean();
    private LoginNegotiation login;
    private int loginCmdSn;
    private boolean statSnStarted;
    private IscsiSession session;
    private OperationalParameters params;
    private int statSn;
    /** Data digests are on the wire: file regions must be read into buffers to be digested. */
    private boolean dataDigestOnWire;

    private final IntObjectHashMap<IscsiTask> tasks = new IntObjectHashMap<>();
    private final IntObjectHashMap<InitiatorPdu> outOfOrder = new IntObjectHashMap<>();
    private final int[] recentlyAborted = new int[64];
    private int abortedCursor;
    private int taskSerial;

    private boolean reading;
    private boolean flushPending;
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushNow;

    private ByteBuf textRequest;
    private ByteBuf textResponse;
    private int textTransferTag;
    private int nextTransferTag = 1;

    private int pingTransferTag = Opcodes.RESERVED_TAG;
    private ScheduledFuture<?> pingTimeout;

    public IscsiConnection(TargetRegistry registry, SecureRandom random, long nopTimeoutNanos) {
        this.registry = registry;
        this.random = random;
        this.nopTimeoutNanos = nopTimeoutNanos;
        Arrays.fill(recentlyAborted, Opcodes.RESERVED_TAG);
    }

    /**
     * Claims this connection for eviction if it is still logging in; true for one caller only, who then closes it
     * (any thread may ask).
     */
    public boolean claimEviction() {
        return loggingIn && evicted.compareAndSet(false, true);
    }

    /** The session once login completed, else null. */
    public IscsiSession session() {
        return session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.login = new LoginNegotiation(registry, random);
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        if (!(msg instanceof InitiatorPdu)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        InitiatorPdu pdu = (InitiatorPdu) msg;
        cancelPing();
        boolean kept = false;
        try {
            switch (phase) {
                case LOGIN:
                    onLoginPhase(pdu);
                    break;
                case FULL_FEATURE:
                    kept = onFullFeature(pdu);
                    break;
                default:
                    break; // closing: whatever still arrives is dropped
            }
        } catch (RuntimeException e) {
            LOG.warn("closing {}: unexpected failure handling {}", ctx.channel(), pdu, e);
            close();
        } finally {
            if (!kept) {
                pdu.release();
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // stop reading new commands while the socket cannot take their responses
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (phase == Phase.LOGIN) {
                close(); // a login that stalls holds a connection slot for nothing
            } else if (phase == Phase.FULL_FEATURE && pingTimeout == null) {
                ping();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (session != null) {
            session.protocolError();
        }
        if (cause instanceof IscsiProtocolException) {
            IscsiProtocolException e = (IscsiProtocolException) cause;
            LOG.debug("{}: {}", ctx.channel(), e.getMessage());
            if (e.rejectedHeader() != null && phase != Phase.CLOSING) {
                rejectAndClose(e.rejectedHeader(), e.rejectReason());
                return;
            }
        } else if (!(cause instanceof IOException)) {
            LOG.warn("closing {}", ctx.channel(), cause);
        }
        close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        phase = Phase.CLOSING;
        for (IscsiTask task : tasks.values()) {
            if (task.executing) {
                task.aborted = true; // its completion releases what the SCSI layer returns
            } else {
                task.releaseDataOut();
            }
        }
        tasks.clear();
        for (InitiatorPdu pdu : outOfOrder.values()) {
            pdu.release();
        }
        outOfOrder.clear();
        releaseText();
        login.release();
        cancelPing();
        if (session != null && !session.discovery()) {
            try {
                session.node().release(session);
            } catch (RuntimeException e) {
                LOG.warn("SCSI layer failed to drop nexus {}", session.nexus(), e);
            }
        }
        ctx.fireChannelInactive();
    }

    // ------------------------------------------------------------------ login

    private void onLoginPhase(InitiatorPdu pdu) {
        if (!(pdu instanceof LoginRequest)) {
            rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
            return;
        }
        LoginRequest request = (LoginRequest) pdu;
        if (!statSnStarted) {
            statSnStarted = true;
            statSn = request.expStatSn();
        }
        loginCmdSn = request.cmdSn();
        LoginNegotiation.Step step = login.onRequest(request, ctx.alloc());
        switch (step.outcome()) {
            case CONTINUE:
                send(step.response());
                break;
            case FAILED:
                sendAndClose(step.response());
                break;
            case COMPLETE:
                completeLogin(step, request.initiatorTaskTag());
                break;
            default:
                throw new IllegalStateException();
        }
    }

    private void completeLogin(LoginNegotiation.Step step, int itt) {
        params = login.parameters();
        TargetNode node = login.node();
        IscsiSession created = new IscsiSession(node, login.initiatorName(), login.isid(), login.tsih(),
                login.grant(), registry.portalGroupTag(), ctx.channel(), loginCmdSn);
        created.connection(this);
        if (node != null) {
            try {
                node.admit(created);
                if (node.grantOf(created.chapUser()) != created.grant()) {
                    // revoked (or replaced) while this login was under way: revoke() may have missed it
                    node.release(created);
                    step.response().release();
                    sendAndClose(new LoginResponse(false, LoginNegotiation.OPERATIONAL, 0, created.isid(), 0, itt,
                            LoginStatus.AUTHORIZATION_FAILED, null));
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warn("SCSI layer refused nexus {}", created.nexus(), e);
                step.response().release();
                sendAndClose(new LoginResponse(false, LoginNegotiation.OPERATIONAL, 0, created.isid(), 0, itt,
                        LoginStatus.TARGET_ERROR, null));
                return;
            }
        }
        session = created;
        phase = Phase.FULL_FEATURE;
        loggingIn = false;
        send(step.response());
        // digests and the larger segment limit apply from the first PDU after the final Login Response
        IscsiPduEncoder encoder = ctx.pipeline().get(IscsiPduEncoder.class);
        if (encoder != null) {
            encoder.enableDigests(params.headerDigest(), params.dataDigest());
            dataDigestOnWire = params.dataDigest();
        }
        IscsiPduDecoder decoder = ctx.pipeline().get(IscsiPduDecoder.class);
        if (decoder != null) {
            decoder.enableDigests(params.headerDigest(), params.dataDigest());
            decoder.maxDataSegmentLength(Math.max(params.targetMaxRecvDataSegmentLength(),
                    IscsiPduDecoder.LOGIN_MAX_DATA_SEGMENT_LENGTH));
        }
    }

    // ------------------------------------------------------------------ full feature phase

    /** Returns true when the PDU was queued (out of CmdSN order) and must not be released yet. */
    private boolean onFullFeature(InitiatorPdu pdu) {
        int opcode = pdu.opcode();
        if (session.discovery() && opcode != Opcodes.TEXT_REQUEST && opcode != Opcodes.LOGOUT_REQUEST
                && opcode != Opcodes.NOP_OUT) {
            rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
            return false;
        }
        switch (opcode) {
            case Opcodes.DATA_OUT:
                onDataOut((DataOut) pdu);
                return false;
            case Opcodes.LOGIN_REQUEST:
                rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
                return false;
            case Opcodes.SNACK_REQUEST:
                reject(pdu.header(), RejectPdu.PROTOCOL_ERROR); // SNACK needs ErrorRecoveryLevel > 0
                return false;
            default:
                return sequence(pdu);
        }
    }

    /**
     * Delivers commands in CmdSN order (RFC 7143 3.2.2.1): immediate ones at once, the next expected one and any
     * queued behind it in order, later ones in the window queued, anything outside the window dropped silently.
     */
    private boolean sequence(InitiatorPdu pdu) {
        if (pdu.immediate()) {
            dispatch(pdu);
            return false;
        }
        int cmdSn = Bhs.getInt(pdu.header(), 24);
        if (cmdSn == session.expCmdSn()) {
            session.advanceCmdSn();
            dispatch(pdu);
            drainOutOfOrder();
            return false;
        }
        if (session.inWindow(cmdSn) && !outOfOrder.containsKey(cmdSn)) {
            outOfOrder.put(cmdSn, pdu);
            return true;
        }
        return false;
    }

    private void drainOutOfOrder() {
        InitiatorPdu next;
        while (phase == Phase.FULL_FEATURE && !outOfOrder.isEmpty()
                && (next = outOfOrder.remove(session.expCmdSn())) != null) {
            session.advanceCmdSn();
            try {
                dispatch(next);
            } finally {
                next.release();
            }
        }
    }

    private void dispatch(InitiatorPdu pdu) {
        switch (pdu.opcode()) {
            case Opcodes.SCSI_COMMAND:
                onScsiCommand((ScsiCommandRequest) pdu);
                break;
            case Opcodes.NOP_OUT:
                onNopOut((NopOut) pdu);
                break;
            case Opcodes.TASK_MANAGEMENT_REQUEST:
                onTaskManagement((TaskManagementRequest) pdu);
                break;
            case Opcodes.TEXT_REQUEST:
                onText((TextRequest) pdu);
                break;
            case Opcodes.LOGOUT_REQUEST:
                onLogout((LogoutRequest) pdu);
                break;
            default:
                reject(pdu.header(), RejectPdu.COMMAND_NOT_SUPPORTED);
        }
    }

    // ------------------------------------------------------------------ SCSI commands and Data-Out

    private void onScsiCommand(ScsiCommandRequest request) {
        int itt = request.initiatorTaskTag();
        if (itt == Opcodes.RESERVED_TAG || tasks.containsKey(itt)) {
            reject(request.header(), RejectPdu.INVALID_PDU_FIELD);
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
            rejectAndClose(request.header(), RejectPdu.PROTOCOL_ERROR);
            return;
        }
        IscsiTask task = new IscsiTask(this, ctx.channel().eventLoop(), itt, ++taskSerial, request.lunField(),
                Bhs.decodeLun(request.lunField()), expected, request.read(), write);
        task.cdb = request.cdb();
        task.attribute = ATTRIBUTES[Math.min(request.taskAttribute(), ATTRIBUTES.length - 1)];
        tasks.put(itt, task);
        if (!write || expected == 0) {
            execute(task);
            return;
        }
        if (Integer.compareUnsigned(expected, MAX_EXPECTED_LENGTH) > 0) {
            tasks.remove(itt);
            rememberAborted(itt); // its unsolicited data, if any, is dropped quietly
            sendResponse(task, new ScsiResponse(ScsiResponse.CHECK_CONDITION, INVALID_FIELD_SENSE, null), 0);
            return;
        }
        if (immediateLength == expected && request.finalFlag()) {
            // the whole write came with the command: hand its segment over, no copy
            task.dataOut = immediate.retainedSlice(immediate.readerIndex(), immediateLength);
            task.received = immediateLength;
            execute(task);
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
            continueWrite(task);
        }
    }

    /** After a burst ended: run the command if all data is in, else ask for more with R2Ts. */
    private void continueWrite(IscsiTask task) {
        if (task.received == task.expectedLength) {
            if (task.outstandingR2ts == 0) {
                execute(task);
            }
            return;
        }
        if (task.nextR2tOffset < task.received) {
            task.nextR2tOffset = task.received;
        }
        while (task.outstandingR2ts < params.maxOutstandingR2T() && task.nextR2tOffset < task.expectedLength) {
            int length = Math.min(params.maxBurstLength(), task.expectedLength - task.nextR2tOffset);
            send(new ReadyToTransfer(task.lunField, task.initiatorTaskTag, task.transferTag(task.r2tSn),
                    task.r2tSn, task.nextR2tOffset, length));
            task.r2tSn++;
            task.outstandingR2ts++;
            task.nextR2tOffset += length;
        }
    }

    private void onDataOut(DataOut pdu) {
        int itt = pdu.initiatorTaskTag();
        IscsiTask task = tasks.get(itt);
        if (task == null || !task.write || task.executing) {
            if (!recentlyAborted(itt)) {
                rejectAndClose(pdu.header(), RejectPdu.INVALID_PDU_FIELD);
            }
            return; // data of an aborted task is discarded
        }
        ByteBuf data = pdu.data();
        int length = data.readableBytes();
        int ttt = pdu.targetTransferTag();
        int limit;
        if (ttt == Opcodes.RESERVED_TAG) {
            if (!task.unsolicitedOpen) {
                rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
                return;
            }
            limit = Math.min(params.firstBurstLength(), task.expectedLength);
        } else {
            if (task.unsolicitedOpen || task.outstandingR2ts == 0 || ttt != task.transferTag(task.oldestR2tSn)) {
                rejectAndClose(pdu.header(), RejectPdu.INVALID_PDU_FIELD);
                return;
            }
            int sequenceStart = task.received - task.burstReceived;
            limit = Math.min(params.maxBurstLength(), task.expectedLength - sequenceStart);
        }
        if (pdu.dataSn() != task.expectedDataSn || pdu.bufferOffset() != task.received) {
            // the initiator fails the command on the Reject; the session survives (libiscsi expects this)
            abort(task, null);
            reject(pdu.header(), RejectPdu.PROTOCOL_ERROR);
            return;
        }
        if (length > task.expectedLength - task.received || task.burstReceived + length > limit) {
            rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
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
                rejectAndClose(pdu.header(), RejectPdu.PROTOCOL_ERROR);
                return;
            }
            task.outstandingR2ts--;
            task.oldestR2tSn++;
        }
        task.expectedDataSn = 0;
        task.burstReceived = 0;
        continueWrite(task);
    }

    private void execute(IscsiTask task) {
        task.executing = true;
        ScsiCommand command = new ScsiCommand(session.nexus(), task.lun, task.cdb, task.expectedLength,
                task.attribute, task.initiatorTaskTag, session.readOnly(), task.dataOut);
        try {
            session.node().device().execute(command, task);
        } catch (RuntimeException e) {
            LOG.warn("SCSI layer failed on opcode 0x{}", Integer.toHexString(command.opcode()), e);
            if (!task.completed) {
                task.complete(new ScsiResponse(ScsiResponse.CHECK_CONDITION, INTERNAL_FAILURE_SENSE, null));
            }
        }
    }

    /** The SCSI layer finished {@code task}; on the event loop. */
    void completed(IscsiTask task) {
        if (task.completed) {
            return;
        }
        task.completed = true;
        if (tasks.get(task.initiatorTaskTag) == task) {
            tasks.remove(task.initiatorTaskTag);
        }
        ScsiResponse response = task.response();
        int written = task.write ? task.received : 0;
        task.releaseDataOut();
        if (task.aborted || phase != Phase.FULL_FEATURE) {
            if (response != null && response.dataIn() != null) {
                response.dataIn().release();
            }
            if (task.abortWait != null) {
                abortFinished(task.abortWait);
            }
            return;
        }
        sendResponse(task, response, written);
    }

    /**
     * Data-In PDUs (split at the initiator's MaxRecvDataSegmentLength, F at each MaxBurstLength), then the status:
     * in the last Data-In when there is no sense data, else in a SCSI Response. Residuals are what the SCSI layer
     * returned against what the initiator expected.
     */
    private void sendResponse(IscsiTask task, ScsiResponse response, int written) {
        DataIn dataIn = response.dataIn();
        int available = dataIn == null ? 0 : dataIn.length();
        int limit = task.read ? task.expectedLength : 0;
        int toSend = Math.min(available, limit);
        int residualFlags = 0;
        int residual = 0;
        int wanted = task.write ? WriteLengths.bytes(task.cdb, session.node().blockSize(task.lun)) : -1;
        if (wanted >= 0 && !task.read) {
            // a write whose CDB asks for more or less than the iSCSI expected length (RFC 7143 11.4.5)
            if (wanted > task.expectedLength) {
                residualFlags = Residual.OVERFLOW;
                residual = wanted - task.expectedLength;
            } else if (wanted < task.expectedLength) {
                residualFlags = Residual.UNDERFLOW;
                residual = task.expectedLength - wanted;
            }
        } else if (task.read || available > 0) {
            if (available > limit) {
                residualFlags = Residual.OVERFLOW;
                residual = available - limit;
            } else if (available < limit) {
                residualFlags = Residual.UNDERFLOW;
                residual = limit - available;
            }
        }
        byte[] sense = response.sense();
        boolean hasSense = sense != null && sense.length > 0;
        boolean statusInData = toSend > 0 && !hasSense;
        int dataSn = 0;
        try {
            int segment = params.initiatorMaxRecvDataSegmentLength();
            int burst = params.maxBurstLength();
            int offset = 0;
            while (offset < toSend) {
                int burstLeft = burst - offset % burst;
                int length = Math.min(Math.min(segment, toSend - offset), burstLeft);
                boolean last = offset + length == toSend;
                ByteBuf buf = null;
                FileRegion region = null;
                if (dataIn instanceof DataIn.Buffer) {
                    ByteBuf source = ((DataIn.Buffer) dataIn).buf();
                    buf = source.retainedSlice(source.readerIndex() + offset, length);
                } else {
                    DataIn.FileRegion file = (DataIn.FileRegion) dataIn;
                    if (dataDigestOnWire || toSend <= COPY_BELOW) {
                        // a digest needs the bytes; a small read is cheaper copied (see COPY_BELOW)
                        buf = readFile(file, offset, length);
                    } else {
                        region = new SharedFileRegion(file.channel(), file.position() + offset, length);
                    }
                }
                DataInPdu pdu = last && statusInData
                        ? DataInPdu.withStatus(buf, region, response.status(), residualFlags, residual,
                                task.lunField, task.initiatorTaskTag, dataSn, offset)
                        : DataInPdu.data(buf, region, last || length == burstLeft, task.lunField,
                                task.initiatorTaskTag, dataSn, offset);
                send(pdu);
                dataSn++;
                offset += length;
            }
        } catch (IOException e) {
            LOG.warn("reading Data-In from file failed", e);
            close();
            return;
        } finally {
            if (dataIn != null) {
                dataIn.release();
            }
        }
        if (!statusInData) {
            ByteBuf senseSegment = null;
            if (hasSense) {
                senseSegment = ctx.alloc().heapBuffer(2 + sense.length);
                senseSegment.writeShort(sense.length).writeBytes(sense);
            }
            send(new ScsiResponsePdu(task.initiatorTaskTag, ScsiResponsePdu.COMMAND_COMPLETED, response.status(),
                    residualFlags, residual, dataSn + task.r2tSn, senseSegment));
        }
        session.commandDone(written, toSend, response.status() != ScsiResponse.GOOD);
    }

    private ByteBuf readFile(DataIn.FileRegion file, int offset, int length) throws IOException {
        ByteBuf buf = ctx.alloc().directBuffer(length, length);
        try {
            long position = file.position() + offset;
            while (buf.isWritable()) {
                int n = buf.writeBytes(file.channel(), position + buf.writerIndex(), buf.writableBytes());
                if (n < 0) {
                    throw new IOException("file ended inside a Data-In region");
                }
            }
            return buf;
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    // ------------------------------------------------------------------ task management

    private void onTaskManagement(TaskManagementRequest request) {
        int function = request.function();
        int itt = request.initiatorTaskTag();
        ScsiDevice device = session.node().device();
        long lun = Bhs.decodeLun(request.lunField());
        TaskManagementWait wait;
        try {
            switch (function) {
                case TaskManagementRequest.ABORT_TASK: {
                    IscsiTask task = tasks.get(request.referencedTaskTag());
                    if (task == null) {
                        // not here: either done already (does not exist) or not arrived yet (RFC 7143 11.5.1)
                        boolean pending = SerialNumbers.inWindow(request.refCmdSn(), session.expCmdSn(),
                                session.maxCmdSn());
                        sendTaskManagement(itt, pending ? TaskManagementResponse.FUNCTION_COMPLETE
                                : TaskManagementResponse.TASK_DOES_NOT_EXIST);
                        return;
                    }
                    wait = new TaskManagementWait(itt, TaskManagementResponse.FUNCTION_COMPLETE, false);
                    abort(task, wait);
                    break;
                }
                case TaskManagementRequest.ABORT_TASK_SET:
                case TaskManagementRequest.CLEAR_TASK_SET:
                case TaskManagementRequest.LOGICAL_UNIT_RESET:
                    if (!mapped(device, lun)) {
                        sendTaskManagement(itt, TaskManagementResponse.LUN_DOES_NOT_EXIST);
                        return;
                    }
                    wait = abortLun(lun, itt, false);
                    if (function == TaskManagementRequest.LOGICAL_UNIT_RESET) {
                        abortInOtherSessions(lun);
                        device.lunReset(lun, session.nexus());
                    } else {
                        boolean clear = function == TaskManagementRequest.CLEAR_TASK_SET;
                        if (clear) {
                            abortInOtherSessions(lun); // one task set shared by all initiators
                        }
                        device.taskSetCleared(lun, session.nexus(), clear);
                    }
                    break;
                case TaskManagementRequest.TARGET_WARM_RESET:
                case TaskManagementRequest.TARGET_COLD_RESET: {
                    boolean cold = function == TaskManagementRequest.TARGET_COLD_RESET;
                    wait = new TaskManagementWait(itt, TaskManagementResponse.FUNCTION_COMPLETE, cold);
                    for (IscsiTask task : new ArrayList<>(tasks.values())) {
                        abort(task, wait);
                    }
                    abortInOtherSessions(ALL_LUNS);
                    device.targetReset(session.nexus());
                    break;
                }
                case TaskManagementRequest.TASK_REASSIGN:
                    sendTaskManagement(itt, TaskManagementResponse.REASSIGNMENT_NOT_SUPPORTED);
                    return;
                default:
                    sendTaskManagement(itt, TaskManagementResponse.FUNCTION_NOT_SUPPORTED);
                    return;
            }
        } catch (RuntimeException e) {
            LOG.warn("task management function {} failed", function, e);
            sendTaskManagement(itt, TaskManagementResponse.FUNCTION_REJECTED);
            return;
        }
        if (wait.pending == 0) {
            finishTaskManagement(wait);
        }
    }

    private static boolean mapped(ScsiDevice device, long lun) {
        for (long mapped : device.mappedLuns()) {
            if (mapped == lun) {
                return true;
            }
        }
        return false;
    }

    /**
     * A reset or cleared task set also ends other initiators' tasks on that LUN (or every LUN): each of their
     * connections drops them on its own event loop, without responses (those initiators get a unit attention).
     */
    private void abortInOtherSessions(long lun) {
        for (IscsiSession other : session.node().sessions()) {
            if (other != session && other.connection() != null) {
                IscsiConnection connection = other.connection();
                other.channel().eventLoop().execute(() -> connection.abortTasksOf(lun));
            }
        }
    }

    /** Ends every task on {@code lun} ({@link #ALL_LUNS}: on every LUN) silently; on this event loop. */
    void abortTasksOf(long lun) {
        if (phase != Phase.FULL_FEATURE) {
            return;
        }
        for (IscsiTask task : new ArrayList<>(tasks.values())) {
            if (lun == ALL_LUNS || task.lun == lun) {
                abort(task, null);
            }
        }
    }

    private TaskManagementWait abortLun(long lun, int itt, boolean close) {
        TaskManagementWait wait = new TaskManagementWait(itt, TaskManagementResponse.FUNCTION_COMPLETE, close);
        for (IscsiTask task : new ArrayList<>(tasks.values())) {
            if (task.lun == lun) {
                abort(task, wait);
            }
        }
        return wait;
    }

    /**
     * Aborts one task: one still gathering data ends now; one in the SCSI layer ends when it returns, and then
     * counts down {@code wait} (if any).
     */
    private void abort(IscsiTask task, TaskManagementWait wait) {
        if (task.aborted) {
            return;
        }
        task.aborted = true;
        rememberAborted(task.initiatorTaskTag);
        if (task.executing) {
            if (wait != null) {
                task.abortWait = wait;
                wait.pending++;
            }
        } else {
            tasks.remove(task.initiatorTaskTag);
            task.releaseDataOut();
        }
    }

    private void rememberAborted(int itt) {
        recentlyAborted[abortedCursor++ & (recentlyAborted.length - 1)] = itt;
    }

    private boolean recentlyAborted(int itt) {
        for (int tag : recentlyAborted) {
            if (tag == itt) {
                return true;
            }
        }
        return false;
    }

    private void abortFinished(TaskManagementWait wait) {
        if (--wait.pending == 0) {
            finishTaskManagement(wait);
        }
    }

    private void finishTaskManagement(TaskManagementWait wait) {
        if (phase != Phase.FULL_FEATURE) {
            return;
        }
        if (wait.closeAfter) {
            // TARGET COLD RESET: answer, then drop the connection (RFC 7143 11.5.1)
            sendAndClose(new TaskManagementResponse(wait.initiatorTaskTag, wait.response));
        } else {
            sendTaskManagement(wait.initiatorTaskTag, wait.response);
        }
    }

    private void sendTaskManagement(int itt, int response) {
        send(new TaskManagementResponse(itt, response));
    }

    // ------------------------------------------------------------------ NOP, text, logout

    private void onNopOut(NopOut nop) {
        if (nop.initiatorTaskTag() == Opcodes.RESERVED_TAG) {
            return; // the answer to our ping: any PDU already proved the connection alive
        }
        ByteBuf data = nop.data();
        ByteBuf echo = null;
        if (data.isReadable()) {
            int length = Math.min(data.readableBytes(), params.initiatorMaxRecvDataSegmentLength());
            echo = data.retainedSlice(data.readerIndex(), length);
        }
        send(new NopIn(nop.lunField(), nop.initiatorTaskTag(), Opcodes.RESERVED_TAG, echo));
    }

    private void ping() {
        pingTransferTag = nextTransferTag();
        send(new NopIn(0, Opcodes.RESERVED_TAG, pingTransferTag, null));
        pingTimeout = ctx.executor().schedule(this::pingTimedOut, nopTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void pingTimedOut() {
        if (pingTimeout != null) {
            LOG.info("{}: no answer to NOP-In ping, closing", ctx.channel());
            pingTimeout = null;
            close();
        }
    }

    private void cancelPing() {
        if (pingTimeout != null) {
            pingTimeout.cancel(false);
            pingTimeout = null;
        }
    }

    private void onText(TextRequest request) {
        int ttt = request.targetTransferTag();
        ByteBuf data = request.data();
        if (ttt != Opcodes.RESERVED_TAG && textRequest == null) {
            // the initiator asks for the next part of our response
            if (textResponse == null || ttt != textTransferTag) {
                reject(request.header(), RejectPdu.INVALID_PDU_FIELD);
                return;
            }
            sendTextChunk(request);
            return;
        }
        if (textResponse != null) {
            // a new request abandons the rest of an earlier response
            textResponse.release();
            textResponse = null;
        }
        if (textRequest == null) {
            textRequest = ctx.alloc().heapBuffer(Math.max(256, data.readableBytes()));
        }
        if (textRequest.readableBytes() + data.readableBytes() > MAX_TEXT) {
            rejectAndClose(request.header(), RejectPdu.PROTOCOL_ERROR);
            return;
        }
        textRequest.writeBytes(data, data.readerIndex(), data.readableBytes());
        if (request.continueFlag()) {
            textTransferTag = nextTransferTag();
            send(new TextResponse(false, false, request.lunField(), request.initiatorTaskTag(), textTransferTag,
                    null));
            return;
        }
        Map<String, String> keys;
        try {
            keys = TextParameters.parse(textRequest);
        } catch (TextFormatException e) {
            reject(request.header(), RejectPdu.PROTOCOL_ERROR);
            releaseTextRequest();
            return;
        } finally {
            if (textRequest != null) {
                releaseTextRequest();
            }
        }
        textResponse = ctx.alloc().heapBuffer(256);
        for (Map.Entry<String, String> e : keys.entrySet()) {
            if (e.getKey().equals("SendTargets")) {
                sendTargets(e.getValue(), textResponse);
            } else {
                // operational keys are settled at login; renegotiation is not offered
                TextParameters.write(textResponse, e.getKey(), ParameterNegotiator.NOT_UNDERSTOOD);
            }
        }
        textTransferTag = nextTransferTag();
        sendTextChunk(request);
    }

    private void sendTextChunk(TextRequest request) {
        int length = Math.min(textResponse.readableBytes(), params.initiatorMaxRecvDataSegmentLength());
        boolean last = length == textResponse.readableBytes();
        ByteBuf chunk = textResponse.readRetainedSlice(length);
        send(new TextResponse(last, !last, request.lunField(), request.initiatorTaskTag(),
                last ? Opcodes.RESERVED_TAG : textTransferTag, chunk));
        if (last) {
            releaseText();
        }
    }

    /** SendTargets (RFC 7143 Appendix C): only targets this initiator and CHAP account may log in to. */
    private void sendTargets(String which, ByteBuf out) {
        List<TargetNode> visible = new ArrayList<>();
        if (session.discovery()) {
            AccessGrant grant = session.grant();
            for (TargetNode node : registry.nodes()) {
                if (node.grantFor(grant.chapUser(), session.initiatorName()) != null
                        && (which.equals("All") || which.equals(node.name()))) {
                    visible.add(node);
                }
            }
        } else if (which.equals("All") || which.isEmpty() || which.equals(session.node().name())) {
            visible.add(session.node());
        }
        String address = registry.advertisedPortal() + "," + registry.portalGroupTag();
        for (TargetNode node : visible) {
            int size = node.name().length() + address.length() + 32;
            if (out.readableBytes() + size > MAX_TEXT) {
                break; // the whole answer stays within 64 KiB
            }
            TextParameters.write(out, "TargetName", node.name());
            TextParameters.write(out, "TargetAddress", address);
        }
    }

    private void releaseTextRequest() {
        if (textRequest != null) {
            textRequest.release();
            textRequest = null;
        }
    }

    private void releaseText() {
        releaseTextRequest();
        if (textResponse != null) {
            textResponse.release();
            textResponse = null;
        }
    }

    private void onLogout(LogoutRequest request) {
        if (request.reason() == LogoutRequest.REMOVE_FOR_RECOVERY) {
            send(new LogoutResponse(request.initiatorTaskTag(), LogoutResponse.RECOVERY_NOT_SUPPORTED));
            return;
        }
        for (IscsiTask task : new ArrayList<>(tasks.values())) {
            abort(task, null);
        }
        sendAndClose(new LogoutResponse(request.initiatorTaskTag(), LogoutResponse.CLOSED_SUCCESSFULLY));
    }

    // ------------------------------------------------------------------ output

    private int nextTransferTag() {
        int tag = nextTransferTag++ & 0x7fffffff;
        return tag == 0 ? nextTransferTag++ : tag;
    }

    private void stamp(TargetPdu pdu) {
        int expCmdSn = session != null ? session.expCmdSn() : loginCmdSn;
        pdu.sequence(pdu.carriesStatus() ? statSn++ : statSn, expCmdSn, expCmdSn + IscsiSession.COMMAND_WINDOW - 1);
    }

    private void send(TargetPdu pdu) {
        stamp(pdu);
        ctx.write(pdu, ctx.voidPromise());
        if (reading) {
            flushPending = true;
        } else if (!flushScheduled) {
            // completions from other threads: one flush for all that land in this event loop turn
            flushScheduled = true;
            ctx.executor().execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        ctx.flush();
    }

    private void sendAndClose(TargetPdu pdu) {
        phase = Phase.CLOSING;
        stamp(pdu);
        ctx.writeAndFlush(pdu).addListener(ChannelFutureListener.CLOSE);
    }

    private void reject(byte[] header, int reason) {
        if (session != null) {
            session.protocolError();
        }
        send(new RejectPdu(reason, header));
    }

    private void rejectAndClose(byte[] header, int reason) {
        if (session != null) {
            session.protocolError();
        }
        sendAndClose(new RejectPdu(reason, header));
    }

    private void close() {
        phase = Phase.CLOSING;
        ctx.close();
    }

    private static byte[] fixedSense(int key, int asc, int ascq) {
        byte[] sense = new byte[18];
        sense[0] = 0x70;
        sense[2] = (byte) key;
        sense[7] = 10;
        sense[12] = (byte) asc;
        sense[13] = (byte) ascq;
        return sense;
    }
}
