package io.mooring.engine;

import io.mooring.engine.iscsi.conn.LoginStage;
import io.mooring.engine.iscsi.login.LoginThrottle;
import io.mooring.engine.iscsi.node.NodeSession;
import io.mooring.engine.iscsi.node.TargetNode;
import io.mooring.engine.iscsi.node.TargetRegistry;
import io.mooring.engine.iscsi.pdu.IscsiPduDecoder;
import io.mooring.engine.iscsi.pdu.IscsiPduEncoder;
import io.mooring.engine.scsi.ScsiDevice;
import io.mooring.engine.scsi.bdev.BlockBackend;
import io.mooring.engine.scsi.lun.LunCounters;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The embedded iSCSI target: one portal, any number of targets, each a set of LUNs and access grants. Every
 * method is thread-safe; lookups on the login and I/O paths never lock.
 *
 * <pre>{@code
 * try (TargetEngine engine = TargetEngine.start(EngineConfig.defaults().withListen("127.0.0.1", 3260))) {
 *     engine.map(iqn, 0, "vol-1", FileBackend.open(path, false));
 *     engine.grant(iqn, AccessGrant.of("user", "secret123456", Set.of(initiatorIqn), false));
 * }
 * }</pre>
 */
public final class TargetEngine implements AutoCloseable {

    private final EngineConfig config;
    private final TargetRegistry registry;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger connections = new AtomicInteger();
    private final Channel serverChannel;

    private TargetEngine(EngineConfig config, Consumer<TargetEngine> beforeListening) {
        this.config = config;
        this.registry = new TargetRegistry(config.portalGroupTag(), config.advertisedPortal());
        // map/grant touch only the registry, so the tables can be filled before the socket exists
        beforeListening.accept(this);
        boolean epoll = Epoll.isAvailable();
        this.bossGroup = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        this.workerGroup = epoll ? new EpollEventLoopGroup() : new NioEventLoopGroup();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        SecureRandom random = new SecureRandom();
        long nopIntervalNanos = config.nopInterval().toNanos();
        long nopTimeoutNanos = config.nopTimeout().toNanos();
        LoginThrottle throttle = new LoginThrottle(config.loginThrottle(), System::nanoTime);
        try {
            this.serverChannel = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    // reads up to a whole 256 KiB data segment: the segment's reads are written to the medium
                    // one positional write each, so fewer, larger reads mean fewer writes
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 2048, 256 << 10))
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(4 << 20, 16 << 20))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (connections.incrementAndGet() > config.maxConnections() && !evictOneLogin()) {
                                connections.decrementAndGet();
                                ch.close();
                                return;
                            }
                            ch.closeFuture().addListener(f -> connections.decrementAndGet());
                            channels.add(ch);
                            // reader idleness only: write-idle tracking would wrap every write's promise
                            ch.pipeline()
                                    .addLast("idle", new IdleStateHandler(nopIntervalNanos, 0, 0, TimeUnit.NANOSECONDS))
                                    .addLast("decoder", new IscsiPduDecoder())
                                    .addLast("encoder", new IscsiPduEncoder())
                                    .addLast("login", new LoginStage(registry, random, nopTimeoutNanos, throttle));
                        }
                    })
                    .bind(config.bindHost(), config.port())
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        if (config.advertisedPortal() == null) {
            InetSocketAddress bound = localAddress();
            registry.advertisedPortal(bound.getAddress().getHostAddress() + ":" + bound.getPort());
        }
    }

    /** Binds the portal (native epoll when available, NIO otherwise) and starts serving. */
    public static TargetEngine start(EngineConfig config) {
        return start(config, engine -> { });
    }

    /**
     * Like {@link #start(EngineConfig)}, but {@code beforeListening} maps and grants first (it must not ask for
     * {@link #localAddress()}): after a restart every export is back before any initiator can connect.
     */
    public static TargetEngine start(EngineConfig config, Consumer<TargetEngine> beforeListening) {
        return new TargetEngine(Objects.requireNonNull(config, "config"), Objects.requireNonNull(beforeListening, "beforeListening"));
    }

    public EngineConfig config() {
        return config;
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Maps {@code backend} as {@code lun} of {@code targetIqn}, creating the target on first use. */
    public void map(String targetIqn, long lun, String deviceId, BlockBackend backend) {
        node(targetIqn).map(lun, deviceId, backend);
    }

    /** Unmaps a LUN; its backend is closed by the SCSI layer. */
    public void unmap(String targetIqn, long lun) {
        TargetNode node = registry.find(targetIqn);
        if (node != null) {
            node.unmap(lun);
        }
    }

    /** Adds or replaces (by CHAP user) a grant on {@code targetIqn}, creating the target on first use. */
    public void grant(String targetIqn, AccessGrant grant) {
        node(targetIqn).grant(Objects.requireNonNull(grant, "grant"));
    }

    /** Removes the grant of {@code chapUser} and closes every session that logged in with it; returns how many. */
    public int revoke(String targetIqn, String chapUser) {
        TargetNode node = registry.find(targetIqn);
        return node == null ? 0 : node.revoke(chapUser);
    }

    /**
     * The medium of {@code lun} grew: the LU re-reads its size and every I_T nexus gets the unit attention CAPACITY DATA
     * HAS CHANGED on its next command; sessions and commands in flight are untouched. Whether the size changed.
     */
    public boolean capacityChanged(String targetIqn, long lun) throws IOException {
        TargetNode node = registry.find(targetIqn);
        return node != null && node.device().capacityChanged(lun);
    }

    /** Revokes every grant, closes the target's sessions, unmaps its LUNs and closes their backends. */
    public void removeTarget(String targetIqn) {
        TargetNode node = registry.remove(targetIqn);
        if (node != null) {
            node.revokeAll();
            node.device().close();
        }
    }

    /** The normal sessions logged in now, with their counters. */
    public List<SessionInfo> sessions() {
        List<SessionInfo> out = new ArrayList<>();
        for (TargetNode node : registry.nodes()) {
            for (NodeSession session : node.sessions()) {
                out.add(session.info());
            }
        }
        return out;
    }

    /** The counters of every mapped LUN now. */
    public List<LunStatistics> lunStatistics() {
        List<LunStatistics> out = new ArrayList<>();
        for (TargetNode node : registry.nodes()) {
            ScsiDevice device = node.device();
            for (long lun : device.mappedLuns()) {
                LunCounters.Snapshot counters = device.counters(lun);
                String deviceId = device.deviceId(lun);
                if (counters != null && deviceId != null) { // unmapped meanwhile otherwise
                    out.add(new LunStatistics(node.name(), lun, deviceId, counters));
                }
            }
        }
        return out;
    }

    /** Login outcomes of every target now, plus one entry (target {@code null}) for logins that named none of them. */
    public List<LoginStatistics> loginStatistics() {
        List<LoginStatistics> out = new ArrayList<>();
        for (TargetNode node : registry.nodes()) {
            out.add(new LoginStatistics(node.name(), node.logins().snapshot()));
        }
        out.add(new LoginStatistics(null, registry.untargetedLogins().snapshot()));
        return out;
    }

    /** Stops listening, drops every connection and closes every target's backends. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        for (TargetNode node : registry.nodes()) {
            registry.remove(node.name());
            node.device().close();
        }
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * At the connection limit, a new connection takes the place of one that has not finished logging in, so that
     * idle half-open connections cannot lock initiators out; established sessions are never evicted.
     */
    private boolean evictOneLogin() {
        for (Channel candidate : channels) {
            LoginStage login = candidate.pipeline().get(LoginStage.class);
            if (login != null && candidate.isActive() && login.claimEviction()) {
                candidate.close();
                return true;
            }
        }
        return false;
    }

    private TargetNode node(String targetIqn) {
        Objects.requireNonNull(targetIqn, "targetIqn");
        return registry.findOrCreate(targetIqn, iqn -> new TargetNode(iqn, new ScsiDevice()));
    }
}
