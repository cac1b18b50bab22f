package io.mooring.engine.iscsi;

import static io.mooring.engine.iscsi.TargetFixture.INITIATOR;
import static io.mooring.engine.iscsi.TargetFixture.INITIATOR_2;
import static io.mooring.engine.iscsi.TargetFixture.OTHER_TARGET;
import static io.mooring.engine.iscsi.TargetFixture.SECRET;
import static io.mooring.engine.iscsi.TargetFixture.TARGET;
import static io.mooring.engine.iscsi.TargetFixture.USER;
import static io.mooring.engine.iscsi.TargetFixture.chapResponse;
import static io.mooring.engine.iscsi.TargetFixture.exchange;
import static io.mooring.engine.iscsi.TargetFixture.single;
import static io.mooring.engine.iscsi.TargetFixture.startChap;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.LoginThrottling;
import io.mooring.engine.iscsi.conn.LoginStage;
import io.mooring.engine.iscsi.login.LoginStatus;
import io.mooring.engine.iscsi.login.LoginThrottle;
import io.mooring.engine.iscsi.pdu.IscsiPduDecoder;
import io.mooring.engine.iscsi.pdu.IscsiPduEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Login throttling through the real login pipeline (EmbeddedChannel) with a clock moved by hand: the default
 * settings (5 failures in 60 s; answers delayed 1 s; back-off 10 s doubling to 5 min), keyed per (address,
 * initiator, target), bounded, logged once per back-off.
 */
class LoginThrottleTest {

    private static final long ISID = 0x400001370000L;
    private static final String WRONG = "wrongsecret12";
    private static final LoginThrottling SETTINGS = LoginThrottling.defaults();
    private static final long DELAY_MILLIS = SETTINGS.delay().toMillis();
    private static final Logger THROTTLE_LOG = Logger.getLogger(LoginThrottle.class.getName());
    private static final SimpleFormatter FORMATTER = new SimpleFormatter();

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final List<String> warnings = new ArrayList<>();
    private final List<EmbeddedChannel> ownChannels = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                synchronized (warnings) {
                    warnings.add(FORMATTER.formatMessage(record));
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private LoginThrottle throttle;
    private TargetFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        THROTTLE_LOG.addHandler(capture);
        use(LoginThrottle.DEFAULT_CAPACITY);
    }

    private void use(int capacity) throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        throttle = new LoginThrottle(SETTINGS, clock::get, capacity);
        fixture = new TargetFixture(throttle);
    }

    @AfterEach
    void tearDown() throws Exception {
        THROTTLE_LOG.removeHandler(capture);
        for (EmbeddedChannel ch : ownChannels) {
            ch.finishAndReleaseAll();
        }
        fixture.close();
    }

    @Test
    void afterThresholdFailuresLoginsAreDelayedThenRefusedWithServiceUnavailable() {
        for (int i = 0; i < SETTINGS.threshold(); i++) {
            assertThat(wrongLogin(INITIATOR, TARGET)).as("failure %d is answered at once", i + 1)
                    .isEqualTo(LoginStatus.AUTHENTICATION_FAILED);
        }
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains(INITIATOR, TARGET, "refused for 10 s", "5 failed logins within 60 s")
                .doesNotContain(WRONG).doesNotContain(SECRET);

        EmbeddedChannel ch = channel();
        assertThat(exchange(ch, first(INITIATOR, TARGET))).as("no answer before the delay").isEmpty();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(DELAY_MILLIS - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(Received.drain(ch)).as("still no answer a millisecond before the delay").isEmpty();
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        List<Received> answer = Received.drain(ch);
        assertThat(answer).hasSize(1);
        assertThat(answer.get(0).opcode()).isEqualTo(0x23);
        assertThat(answer.get(0).loginStatus()).isEqualTo(0x0301);
        assertThat(ch.isOpen()).isFalse();

        // the right secret does not help during the back-off: the refusal comes before CHAP
        assertThat(refusedOutright(INITIATOR, TARGET)).isTrue();
        assertThat(warnings).as("one line per back-off, not one per attempt").hasSize(1);
    }

    @Test
    void theBackoffDoublesWithEachFailureRightAfterItUpToItsCap() {
        for (int i = 0; i < SETTINGS.threshold(); i++) {
            wrongLogin(INITIATOR, TARGET);
        }
        long[] expectedSeconds = {10, 20, 40, 80, 160, 300, 300};
        for (long seconds : expectedSeconds) {
            long blockedAt = clock.get();
            clock.set(blockedAt + TimeUnit.SECONDS.toNanos(seconds) - TimeUnit.MILLISECONDS.toNanos(1));
            assertThat(refusedOutright(INITIATOR, TARGET)).as("refused just before the %d s back-off ends", seconds)
                    .isTrue();
            clock.set(blockedAt + TimeUnit.SECONDS.toNanos(seconds));
            assertThat(wrongLogin(INITIATOR, TARGET)).as("answered once the %d s back-off ended", seconds)
                    .isEqualTo(LoginStatus.AUTHENTICATION_FAILED);
        }
        assertThat(warnings).hasSize(expectedSeconds.length + 1);
        assertThat(warnings.get(1)).contains("refused for 20 s", "failed again after its back-off");
        assertThat(warnings.get(expectedSeconds.length)).contains("refused for 300 s");

        clock.addAndGet(TimeUnit.MINUTES.toNanos(5));
        fixture.login(channel());
        assertThat(wrongLogin(INITIATOR, TARGET)).as("a success forgot the back-off").isEqualTo(
                LoginStatus.AUTHENTICATION_FAILED);
        assertThat(refusedOutright(INITIATOR, TARGET)).isFalse();
    }

    @Test
    void failuresFurtherApartThanTheWindowDoNotAddUp() {
        for (int i = 0; i < SETTINGS.threshold() - 1; i++) {
            wrongLogin(INITIATOR, TARGET);
        }
        clock.addAndGet(SETTINGS.window().toNanos());
        for (int i = 0; i < SETTINGS.threshold() - 1; i++) {
            wrongLogin(INITIATOR, TARGET);
        }
        assertThat(refusedOutright(INITIATOR, TARGET)).isFalse();
        assertThat(warnings).isEmpty();
        wrongLogin(INITIATOR, TARGET);
        assertThat(refusedOutright(INITIATOR, TARGET)).as("five within the window").isTrue();
    }

    @Test
    void aSuccessForgetsTheFailuresBeforeIt() {
        for (int i = 0; i < SETTINGS.threshold() - 1; i++) {
            wrongLogin(INITIATOR, TARGET);
        }
        fixture.login(channel());
        for (int i = 0; i < SETTINGS.threshold() - 1; i++) {
            wrongLogin(INITIATOR, TARGET);
        }
        assertThat(refusedOutright(INITIATOR, TARGET)).isFalse();
        wrongLogin(INITIATOR, TARGET);
        assertThat(refusedOutright(INITIATOR, TARGET)).isTrue();
    }

    @Test
    void aThrottledKeyLocksOutNeitherItsInitiatorsOtherTargetsNorOtherInitiatorsNorOtherAddresses() {
        for (int i = 0; i < SETTINGS.threshold(); i++) {
            wrongLogin(INITIATOR, TARGET);
        }
        assertThat(refusedOutright(INITIATOR, TARGET)).isTrue();

        // the same host's other volume: a revoked attachment's retries must not take it down
        EmbeddedChannel other = channel();
        Received challenge = startChap(other, INITIATOR, OTHER_TARGET, ISID);
        Received authenticated = single(other, Pdus.login(Pdus.loginFlags(true, 0, 1), ISID, 1, 1, 0,
                "CHAP_N=bob", "CHAP_R=" + chapResponse(challenge, "bobsecret1234")));
        assertThat(authenticated.loginStatus()).isZero();
        Received last = single(other, Pdus.login(Pdus.loginFlags(true, 1, 3), ISID, 1, 1, 0));
        assertThat(last.loginStatus()).isZero();
        assertThat(last.flags() & 0x83).as("full feature phase").isEqualTo(0x83);

        fixture.login(channel(), INITIATOR_2, ISID);

        EmbeddedChannel elsewhere = channelFrom(new InetSocketAddress("192.0.2.7", 51000));
        fixture.login(elsewhere);
        assertThat(warnings).hasSize(1);
    }

    @Test
    void theTableStaysBoundedAndCyclingNamesIsCountedPerAddress() throws Exception {
        int capacity = 16;
        use(capacity);
        int name = 0;
        for (; name < capacity; name++) {
            assertThat(unknownTarget(name)).as("a guessed target name").isEqualTo(LoginStatus.NOT_FOUND);
        }
        assertThat(throttle.tracked()).isEqualTo(capacity);
        for (int i = 0; i < SETTINGS.threshold(); i++, name++) {
            assertThat(unknownTarget(name)).isEqualTo(LoginStatus.NOT_FOUND);
        }
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("embedded", "counted per address");
        for (int i = 0; i < 500; i++, name++) {
            assertThat(refusedOutright(INITIATOR, "iqn.2024-01.test:guess-" + name)).as("name %d", name).isTrue();
        }
        assertThat(throttle.tracked()).as("one entry per key up to the capacity, then one for the address")
                .isEqualTo(capacity + 1);
        assertThat(refusedOutright(INITIATOR_2, TARGET)).as("the whole address is in its back-off").isTrue();
        fixture.login(channelFrom(new InetSocketAddress("192.0.2.7", 51000)));
        assertThat(warnings).hasSize(1);

        // once everything went quiet for a window after the back-off, the stale entries make room again
        clock.addAndGet(SETTINGS.initialBackoff().toNanos() + SETTINGS.window().toNanos());
        assertThat(unknownTarget(name++)).isEqualTo(LoginStatus.NOT_FOUND);
        assertThat(throttle.tracked()).isEqualTo(1);
        fixture.login(channel());
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** A channel of the fixture whose event loop's time only moves when the test says so. */
    private EmbeddedChannel channel() {
        EmbeddedChannel ch = fixture.channel();
        ch.freezeTime();
        return ch;
    }

    /** The real login pipeline on a channel whose peer is {@code remote}. */
    private EmbeddedChannel channelFrom(SocketAddress remote) {
        EmbeddedChannel ch = new EmbeddedChannel(new IscsiPduDecoder(), new IscsiPduEncoder(),
                new LoginStage(fixture.registry, new SecureRandom(), TimeUnit.SECONDS.toNanos(5), throttle)) {
            @Override
            protected SocketAddress remoteAddress0() {
                return remote;
            }
        };
        ch.freezeTime();
        ownChannels.add(ch);
        return ch;
    }

    private static ByteBuf first(String initiator, String target) {
        return Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0, "InitiatorName=" + initiator,
                "SessionType=Normal", "TargetName=" + target, "AuthMethod=CHAP,None");
    }

    /** A CHAP login with a wrong secret; the status it was refused with, answered at once. */
    private int wrongLogin(String initiator, String target) {
        EmbeddedChannel ch = channel();
        Received challenge = startChap(ch, initiator, target, ISID);
        Received refused = single(ch, Pdus.login(Pdus.loginFlags(true, 0, 1), ISID, 1, 1, 0, "CHAP_N=" + USER,
                "CHAP_R=" + chapResponse(challenge, WRONG)));
        assertThat(ch.isOpen()).isFalse();
        return refused.loginStatus();
    }

    /** A login to a target that does not exist; the status answered at once. */
    private int unknownTarget(int name) {
        EmbeddedChannel ch = channel();
        Received answer = single(ch, first(INITIATOR, "iqn.2024-01.test:guess-" + name));
        assertThat(ch.isOpen()).isFalse();
        return answer.loginStatus();
    }

    /**
     * Whether the first Login Request goes unanswered until the delay and is then refused with 0x0301 (false: it
     * was answered at once, as any login that is not throttled).
     */
    private boolean refusedOutright(String initiator, String target) {
        EmbeddedChannel ch = channel();
        if (!exchange(ch, first(initiator, target)).isEmpty()) {
            return false;
        }
        ch.advanceTimeBy(DELAY_MILLIS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        List<Received> refusal = Received.drain(ch);
        assertThat(refusal).hasSize(1);
        assertThat(refusal.get(0).loginStatus()).isEqualTo(LoginStatus.SERVICE_UNAVAILABLE);
        assertThat(ch.isOpen()).isFalse();
        return true;
    }
}
