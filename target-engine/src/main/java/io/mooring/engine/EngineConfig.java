package io.mooring.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * How the engine listens and how it keeps connections alive.
 *
 * @param bindHost         address to listen on
 * @param port             TCP port; 0 picks a free one ({@link TargetEngine#localAddress()} tells which)
 * @param advertisedPortal "host:port" that SendTargets answers; defaults to bindHost:port when null
 * @param portalGroupTag   the target portal group tag of this portal (1..65535)
 * @param nopInterval      a connection idle this long gets a NOP-In ping
 * @param nopTimeout       a ping unanswered this long closes the connection
 * @param maxConnections   connections accepted at once; more are closed on accept
 * @param loginThrottle    how logins that keep failing are slowed down and refused
 */
public record EngineConfig(String bindHost, int port, String advertisedPortal, int portalGroupTag, Duration nopInterval,
                           Duration nopTimeout, int maxConnections, LoginThrottling loginThrottle) {

    public EngineConfig {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(nopInterval, "nopInterval");
        Objects.requireNonNull(nopTimeout, "nopTimeout");
        Objects.requireNonNull(loginThrottle, "loginThrottle");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
        if (portalGroupTag < 1 || portalGroupTag > 65535) {
            throw new IllegalArgumentException("portalGroupTag " + portalGroupTag);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections " + maxConnections);
        }
        if (nopInterval.isNegative() || nopInterval.isZero() || nopTimeout.isNegative() || nopTimeout.isZero()) {
            throw new IllegalArgumentException("nopInterval and nopTimeout must be positive");
        }
    }

    /**
     * 127.0.0.1:3260, portal group 1, ping after 5 s idle, drop after 10 s without answer, 1024 connections, logins
     * throttled as {@link LoginThrottling#defaults()}.
     */
    public static EngineConfig defaults() {
        return new EngineConfig("127.0.0.1", 3260, null, 1, Duration.ofSeconds(5), Duration.ofSeconds(10), 1024,
                LoginThrottling.defaults());
    }

    public EngineConfig withListen(String host, int port) {
        return new EngineConfig(host, port, advertisedPortal, portalGroupTag, nopInterval, nopTimeout, maxConnections,
                loginThrottle);
    }

    public EngineConfig withAdvertisedPortal(String portal) {
        return new EngineConfig(bindHost, port, portal, portalGroupTag, nopInterval, nopTimeout, maxConnections,
                loginThrottle);
    }

    public EngineConfig withNop(Duration interval, Duration timeout) {
        return new EngineConfig(bindHost, port, advertisedPortal, portalGroupTag, interval, timeout, maxConnections,
                loginThrottle);
    }

    public EngineConfig withLoginThrottle(LoginThrottling throttle) {
        return new EngineConfig(bindHost, port, advertisedPortal, portalGroupTag, nopInterval, nopTimeout, maxConnections,
                throttle);
    }
}
