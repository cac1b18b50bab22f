package io.mooring.engine.iscsi.conn;

import io.mooring.engine.iscsi.login.LoginNegotiation;
import io.mooring.engine.iscsi.login.LoginStatus;
import io.mooring.engine.iscsi.login.LoginThrottle;
import io.mooring.engine.iscsi.login.OperationalParameters;
import io.mooring.engine.iscsi.node.TargetNode;
import io.mooring.engine.iscsi.node.TargetRegistry;
import io.mooring.engine.iscsi.pdu.InitiatorPdu;
import io.mooring.engine.iscsi.pdu.IscsiPduDecoder;
import io.mooring.engine.iscsi.pdu.IscsiPduEncoder;
import io.mooring.engine.iscsi.pdu.IscsiProtocolException;
import io.mooring.engine.iscsi.pdu.LoginRequest;
import io.mooring.engine.iscsi.pdu.LoginResponse;
import io.mooring.engine.iscsi.pdu.RejectPdu;
import io.mooring.engine.iscsi.pdu.TargetPdu;
import io.mooring.engine.iscsi.session.CommandWindow;
import io.mooring.engine.iscsi.session.IscsiSession;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The login phase of one connection (RFC 7143 6), the first stage of its pipeline. Feeds Login Requests to a
 * {@link LoginNegotiation}; on the final successful Login Response it creates the session, applies the negotiated
 * digests and segment limit to the codec and replaces itself with the full feature stage, as Netty's
 * {@code HttpServerUpgradeHandler} rebuilds a pipeline when the protocol changes:
 * <pre>
 * login:        decoder → encoder → LoginStage
 * full feature: decoder → encoder → Keepalive → CommandSequencer → ReadTransfer → WriteTransfer
 *               → FullFeatureHandler                                  (discovery: no Read/WriteTransfer)
 * </pre>
 */
public final class LoginStage extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(LoginStage.class);

    private final TargetRegistry registry;
    private final SecureRandom random;
    private final long nopTimeoutNanos;
    private final LoginThrottle throttle;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private LoginNegotiation login;
    private LoginThrottle.Key throttleKey;
    private boolean closing;
    private boolean refusing;
    private int loginCmdSn;
    private boolean statSnStarted;
    private int statSn;

    public LoginStage(TargetRegistry registry, SecureRandom random, long nopTimeoutNanos, LoginThrottle throttle) {
        this.registry = registry;
        this.random = random;
        this.nopTimeoutNanos = nopTimeoutNanos;
        this.throttle = throttle;
    }

    /**
     * Claims this connection for eviction while it is still logging in; true for one caller only, who then closes
     * it (any thread may ask). A login that completes claims it first, so an established session is never evicted.
     */
    public boolean claimEviction() {
        return claimed.compareAndSet(false, true);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        login = new LoginNegotiation(registry, random);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof InitiatorPdu) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        InitiatorPdu pdu = (InitiatorPdu) msg;
        try {
            if (pdu instanceof LoginRequest) {
                onLogin(ctx, (LoginRequest) pdu);
            } else {
                sendAndClose(ctx, new RejectPdu(RejectPdu.PROTOCOL_ERROR, pdu.header()));
            }
        } catch (RuntimeException e) {
            LOG.warn("closing {}: unexpected failure handling {}", ctx.channel(), pdu, e);
            close(ctx);
        } finally {
            pdu.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (!refusing) {
                close(ctx); // a login that stalls holds a connection slot for nothing
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IscsiProtocolException) {
            IscsiProtocolException e = (IscsiProtocolException) cause;
            LOG.debug("{}: {}", ctx.channel(), e.getMessage());
            if (e.rejectedHeader() != null && !closing) {
                sendAndClose(ctx, new RejectPdu(e.rejectReason(), e.rejectedHeader()));
                return;
            }
        } else if (!(cause instanceof IOException)) {
            LOG.warn("closing {}", ctx.channel(), cause);
        }
        close(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        login.release();
    }

    private void onLogin(ChannelHandlerContext ctx, LoginRequest request) {
        if (!statSnStarted) {
            statSnStarted = true;
            statSn = request.expStatSn();
        }
        loginCmdSn = request.cmdSn();
        LoginNegotiation.Step step = login.onRequest(request, ctx.alloc());
        if (throttleKey == null && login.initiatorName() != null) {
            // the first request that names who logs in to what: a key in back-off gets a late refusal instead
            throttleKey = LoginThrottle.key(ctx.channel().remoteAddress(), login.initiatorName(), login.targetName());
            if (throttle.refuses(throttleKey)) {
                step.response().release();
                refuseLater(ctx, request);
                return;
            }
        }
        switch (step.outcome()) {
            case CONTINUE:
                ctx.writeAndFlush(stamp(step.response()), ctx.voidPromise());
                break;
            case FAILED:
                throttle.failed(throttleKey, step.response().status());
                sendAndClose(ctx, step.response());
                break;
            case COMPLETE:
                complete(ctx, step.response(), request.initiatorTaskTag());
                break;
            default:
                throw new IllegalStateException();
        }
    }

    private void complete(ChannelHandlerContext ctx, LoginResponse last, int itt) {
        if (!claimed.compareAndSet(false, true)) {
            last.release(); // evicted a moment ago: the evictor is closing the connection
            return;
        }
        OperationalParameters params = login.parameters();
        TargetNode node = login.node();
        IscsiSession session = new IscsiSession(node, login.initiatorName(), login.isid(), login.tsih(),
                login.grant(), registry.portalGroupTag(), ctx.channel(), loginCmdSn);
        if (node != null) {
            try {
                node.admit(session);
                if (node.grantOf(session.chapUser()) != session.grant()) {
                    // revoked (or replaced) while this login was under way: revoke() may have missed it
                    node.release(session);
                    last.release();
                    sendAndClose(ctx, new LoginResponse(false, LoginNegotiation.OPERATIONAL, 0, session.isid(), 0,
                            itt, LoginStatus.AUTHORIZATION_FAILED, null));
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warn("SCSI layer refused nexus {}", session.nexus(), e);
                last.release();
                sendAndClose(ctx, new LoginResponse(false, LoginNegotiation.OPERATIONAL, 0, session.isid(), 0, itt,
                        LoginStatus.TARGET_ERROR, null));
                return;
            }
        }
        throttle.succeeded(throttleKey);
        // the encoder works on write: the final Login Response leaves without digests, everything after with them
        ctx.writeAndFlush(stamp(last), ctx.voidPromise());
        applyToCodec(ctx.pipeline(), params);
        installFullFeature(ctx, session, params);
    }

    /** Digests and the declared segment limit apply from the first PDU after the final Login Response. */
    private static void applyToCodec(ChannelPipeline pipeline, OperationalParameters params) {
        IscsiPduEncoder encoder = pipeline.get(IscsiPduEncoder.class);
        if (encoder != null) {
            encoder.enableDigests(params.headerDigest(), params.dataDigest());
        }
        IscsiPduDecoder decoder = pipeline.get(IscsiPduDecoder.class);
        if (decoder != null) {
            decoder.enableDigests(params.headerDigest(), params.dataDigest());
            decoder.maxDataSegmentLength(Math.max(params.targetMaxRecvDataSegmentLength(),
                    IscsiPduDecoder.LOGIN_MAX_DATA_SEGMENT_LENGTH));
        }
    }

    private void installFullFeature(ChannelHandlerContext ctx, IscsiSession session, OperationalParameters params) {
        Connection connection = new Connection(ctx.channel(), session, params);
        session.connection(connection);
        FullFeatureHandler fullFeature = new FullFeatureHandler(connection, registry);
        String here = ctx.name();
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addBefore(here, "keepalive", new Keepalive(connection, nopTimeoutNanos));
        pipeline.addBefore(here, "sequencer", new CommandSequencer(session.window(), statSn));
        if (!session.discovery()) {
            pipeline.addBefore(here, "read-transfer",
                    new ReadTransfer(params.initiatorMaxRecvDataSegmentLength(), params.maxBurstLength(),
                            params.dataDigest(), session::blockSize));
            pipeline.addBefore(here, "write-transfer", new WriteTransfer(connection, fullFeature::completed));
        }
        pipeline.addBefore(here, "full-feature", fullFeature);
        pipeline.remove(this);
    }

    /** Answers a throttled login after the throttle's delay, on the event loop, with a status to retry later. */
    private void refuseLater(ChannelHandlerContext ctx, LoginRequest request) {
        closing = true; // nothing more is read from this connection
        refusing = true;
        LoginResponse refusal = new LoginResponse(false, request.currentStage(), 0, request.isid(), 0,
                request.initiatorTaskTag(), LoginStatus.SERVICE_UNAVAILABLE, null);
        ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                sendAndClose(ctx, refusal);
            }
        }, throttle.delayNanos(), TimeUnit.NANOSECONDS);
    }

    private TargetPdu stamp(TargetPdu pdu) {
        if (pdu instanceof LoginResponse response) {
            countIfFinal(response);
        }
        // during login ExpCmdSN is the login's own CmdSN: Login Requests do not advance it
        return pdu.sequence(pdu.carriesStatus() ? statSn++ : statSn, loginCmdSn, loginCmdSn + CommandWindow.DEPTH - 1);
    }

    /** Every Login Response leaves through {@link #stamp}: a failure, or the one that enters full feature phase, ends the login. */
    private void countIfFinal(LoginResponse response) {
        boolean succeeded = response.transit() && response.nextStage() == LoginNegotiation.FULL_FEATURE;
        if (response.status() != LoginStatus.SUCCESS || succeeded) {
            TargetNode node = login.node();
            (node != null ? node.logins() : registry.untargetedLogins()).ended(response.status());
        }
    }

    private void sendAndClose(ChannelHandlerContext ctx, TargetPdu pdu) {
        closing = true;
        ctx.writeAndFlush(stamp(pdu)).addListener(ChannelFutureListener.CLOSE);
    }

    private void close(ChannelHandlerContext ctx) {
        closing = true;
        ctx.close();
    }
}
