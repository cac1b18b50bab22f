package io.mooring.api;

import io.mooring.boot.MooringConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The REST API's connection timeouts ({@code mooring.http.*}): request headers must be complete within the header
 * timeout of a request's first byte, and a kept-alive connection with no request under way is closed after the idle
 * timeout. Vert.x has only an idle timeout and no hook when a connection opens, so a new connection gets that timeout,
 * set to the header timeout: its handler sits behind the HTTP decoder, which passes nothing on until the headers are
 * complete, so it is a deadline from connecting that trickled header bytes do not extend. From its first request on,
 * {@link Clock} (two Netty handlers around the HTTP decoder, in place of Vert.x's idle handler) keeps the connection's
 * time. The connection is reached through Vert.x's {@code ConnectionBase}, an internal class.
 */
@ApplicationScoped
public class HttpTimeouts implements HttpServerOptionsCustomizer {

    /** Vert.x's names for its handlers in an HTTP/1.1 pipeline. */
    private static final String VERTX_DECODER = "httpDecoder";
    private static final String VERTX_IDLE = "idle";
    private static final String REQUEST_BYTES = "mooring-request-bytes";
    private static final String REQUEST_PHASES = "mooring-request-phases";

    @Inject
    MooringConfig config;

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setIdleTimeoutUnit(TimeUnit.MILLISECONDS).setIdleTimeout(Math.toIntExact(config.http().headerTimeout().toMillis()));
    }

    /** Called on each request's event loop as it reaches the router; the first one hands the connection to a Clock. */
    void track(HttpServerRequest request) {
        if (!(request.connection() instanceof ConnectionBase base)) {
            return;
        }
        Channel channel = base.channel();
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> track(request));
            return;
        }
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(REQUEST_PHASES) != null || pipeline.get(VERTX_IDLE) == null || pipeline.get(VERTX_DECODER) == null) {
            return;
        }
        Clock clock = new Clock(config.http().headerTimeout(), config.http().idleTimeout());
        pipeline.addBefore(VERTX_DECODER, REQUEST_BYTES, clock.bytes);
        pipeline.replace(VERTX_IDLE, REQUEST_PHASES, clock.phases);
        clock.startWith(request.isEnded() ? Clock.Phase.ANSWERING : Clock.Phase.BODY, channel);
    }

    /**
     * One connection's time, on its event loop. Between requests the idle timeout runs; a request's first byte starts
     * the header deadline (not extended by further bytes); while its body arrives, the idle timeout runs again from each
     * piece of it; while the answer is being made nothing runs; the answer's last byte starts the idle timeout.
     */
    private static final class Clock {

        enum Phase { BETWEEN_REQUESTS, HEADERS, BODY, ANSWERING }

        private final long headerTimeoutNanos;
        private final long idleTimeoutNanos;
        private Phase phase;
        private ScheduledFuture<?> timer;

        /** The phase of the request under way when the clock was installed: its body still arriving, or being answered. */
        void startWith(Phase current, Channel channel) {
            phase = current;
            if (current == Phase.BODY) {
                arm(channel, idleTimeoutNanos);
            }
        }

        final ChannelInboundHandlerAdapter bytes = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (phase == Phase.BETWEEN_REQUESTS) {
                    phase = Phase.HEADERS;
                    arm(ctx.channel(), headerTimeoutNanos);
                }
                ctx.fireChannelRead(msg);
            }
        };

        final ChannelDuplexHandler phases = new ChannelDuplexHandler() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    phase = Phase.BODY;
                }
                if (phase == Phase.BODY) {
                    if (msg instanceof LastHttpContent) {
                        phase = Phase.ANSWERING;
                        disarm();
                    } else {
                        arm(ctx.channel(), idleTimeoutNanos);
                    }
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                boolean informational = msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
                if (msg instanceof LastHttpContent && !informational && phase == Phase.ANSWERING) {
                    phase = Phase.BETWEEN_REQUESTS;
                    arm(ctx.channel(), idleTimeoutNanos);
                }
                ctx.write(msg, promise);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                disarm();
                ctx.fireChannelInactive();
            }
        };

        Clock(Duration headerTimeout, Duration idleTimeout) {
            this.headerTimeoutNanos = headerTimeout.toNanos();
            this.idleTimeoutNanos = idleTimeout.toNanos();
        }

        private void arm(Channel channel, long nanos) {
            disarm();
            timer = channel.eventLoop().schedule(() -> {
                channel.close();
            }, nanos, TimeUnit.NANOSECONDS);
        }

        private void disarm() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }
}
