package io.mooring.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The engine's own socket limits: idle connections dropped, connection count bounded, grants masked. */
class EngineLimitsTest {

    private static EngineConfig config(int maxConnections) {
        return new EngineConfig("127.0.0.1", 0, null, 1, Duration.ofMillis(300), Duration.ofMillis(300),
                maxConnections, LoginThrottling.defaults());
    }

    private static boolean closedByPeerWithin(Socket socket, int millis) throws Exception {
        socket.setSoTimeout(millis);
        InputStream in = socket.getInputStream();
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.io.IOException reset) {
            return true;
        }
    }

    @Test
    void connectionThatNeverLogsInIsDropped() throws Exception {
        try (TargetEngine engine = TargetEngine.start(config(16));
             Socket socket = new Socket("127.0.0.1", engine.localAddress().getPort())) {
            assertThat(closedByPeerWithin(socket, 3000)).isTrue();
        }
    }

    @Test
    void atTheLimitANewConnectionTakesThePlaceOfOneStillLoggingIn() throws Exception {
        try (TargetEngine engine = TargetEngine.start(config(2).withNop(Duration.ofSeconds(30), Duration.ofSeconds(30)));
             Socket a = new Socket("127.0.0.1", engine.localAddress().getPort());
             Socket b = new Socket("127.0.0.1", engine.localAddress().getPort())) {
            Thread.sleep(200);
            try (Socket c = new Socket("127.0.0.1", engine.localAddress().getPort())) {
                boolean aClosed = closedByPeerWithin(a, 1000);
                boolean bClosed = closedByPeerWithin(b, 200);
                assertThat(aClosed ^ bClosed).as("exactly one half-open login evicted").isTrue();
                assertThat(closedByPeerWithin(c, 200)).isFalse();
            }
        }
    }

    @Test
    void grantNeverShowsItsSecrets() {
        AccessGrant grant = new AccessGrant("u", "topsecret123", Set.of("iqn.x"), false, "m", "mutualsecret1");
        assertThat(grant.toString()).doesNotContain("topsecret123").doesNotContain("mutualsecret1").contains("u");
    }

    @Test
    void engineApiManagesTargetsAndGrants() throws Exception {
        try (TargetEngine engine = TargetEngine.start(config(16))) {
            engine.grant("iqn.2024-01.test:api", AccessGrant.of("u", "usersecret123", Set.of("iqn.x"), false));
            assertThat(engine.revoke("iqn.2024-01.test:api", "u")).isZero();
            assertThat(engine.revoke("iqn.2024-01.test:none", "u")).isZero();
            engine.removeTarget("iqn.2024-01.test:api");
            engine.removeTarget("iqn.2024-01.test:none");
            assertThat(engine.sessions()).isEmpty();
        }
    }
}
