package io.mooring.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.engine.iscsi.login.LoginThrottle;
import io.mooring.engine.scsi.bdev.FileBackend;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 200 wrong-CHAP logins of libiscsi's {@code iscsi-inq} in a tight loop from one initiator name: after the threshold
 * they are slowed (each answer waits for the delay) and refused with Service Unavailable, while another initiator
 * logs in to the same target again and again and is never refused; the log says so in a few lines, not 200.
 */
class BruteForceLoginTest {

    static final String IQN = "iqn.2024-01.io.mooring.test:brute";
    static final String ATTACKER = "iqn.2024-01.io.mooring.test:attacker";
    static final String HOST = "iqn.2024-01.io.mooring.test:host";
    static final String USER = "tester";
    static final String SECRET = "testersecret12";
    static final String WRONG = "guessedsecret1";
    static final int ATTEMPTS = 200;
    /** The default settings but a shorter delay, so that the loop ends in seconds rather than minutes. */
    static final LoginThrottling THROTTLING = new LoginThrottling(true, 5, Duration.ofSeconds(60),
            Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofMinutes(5));
    private static final Logger THROTTLE_LOG = Logger.getLogger(LoginThrottle.class.getName());

    @TempDir
    Path dir;

    @Test
    void guessingIsSlowedAndRefusedWhileAnotherInitiatorKeepsLoggingIn() throws Exception {
        assertTrue(Processes.installed("iscsi-inq"), "libiscsi-bin is not installed: .ci/run installs it");
        Path lun = dir.resolve("lun0.img");
        try (RandomAccessFile raf = new RandomAccessFile(lun.toFile(), "rw")) {
            raf.setLength(16 << 20);
        }
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Handler capture = new Handler() {
            private final SimpleFormatter formatter = new SimpleFormatter();

            @Override
            public void publish(LogRecord record) {
                lines.add(formatter.formatMessage(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        THROTTLE_LOG.addHandler(capture);
        try (TargetEngine engine = TargetEngine.start(EngineConfig.defaults().withListen("127.0.0.1", 0)
                .withLoginThrottle(THROTTLING))) {
            engine.map(IQN, 0, "brute", FileBackend.open(lun, false));
            engine.grant(IQN, AccessGrant.of(USER, SECRET, Set.of(ATTACKER, HOST), false));
            String portal = "127.0.0.1:" + engine.localAddress().getPort();

            AtomicBoolean attacking = new AtomicBoolean(true);
            List<Processes.Result> hostLogins = Collections.synchronizedList(new ArrayList<>());
            List<Long> hostMillis = Collections.synchronizedList(new ArrayList<>());
            Thread host = new Thread(() -> {
                try {
                    while (attacking.get()) {
                        long start = System.nanoTime();
                        hostLogins.add(Processes.run(30, "iscsi-inq", "-i", HOST, url(portal, SECRET)));
                        hostMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                    }
                } catch (Exception e) {
                    hostLogins.add(new Processes.Result(-1, e.toString()));
                }
            }, "legitimate-host");
            host.start();

            List<String> answers = new ArrayList<>();
            List<Long> refusedMillis = new ArrayList<>();
            long started = System.nanoTime();
            try {
                for (int i = 0; i < ATTEMPTS; i++) {
                    long start = System.nanoTime();
                    Processes.Result guess = Processes.run(30, "iscsi-inq", "-i", ATTACKER, url(portal, WRONG));
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertThat(guess.exit()).as("a wrong secret never logs in").isNotZero();
                    String answer = guess.output().contains("Authentication failure") ? "authentication failure"
                            : guess.output().contains("Service unavailable") ? "service unavailable" : guess.output();
                    answers.add(answer);
                    if (answer.equals("service unavailable")) {
                        refusedMillis.add(millis);
                    }
                }
            } finally {
                attacking.set(false);
                host.join(TimeUnit.SECONDS.toMillis(60));
            }
            long loopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(answers).allMatch(a -> a.equals("authentication failure") || a.equals("service unavailable"));
            assertThat(answers.subList(0, THROTTLING.threshold())).as("the first guesses are answered")
                    .containsOnly("authentication failure");
            assertThat(answers.get(THROTTLING.threshold())).as("the guess after the threshold")
                    .isEqualTo("service unavailable");
            long answered = answers.stream().filter(a -> a.equals("authentication failure")).count();
            // the threshold's failures, then one per back-off that ran out while the loop went on
            assertThat(answered).isLessThanOrEqualTo(THROTTLING.threshold() + 4);
            assertThat(refusedMillis).as("every refusal waited for the delay")
                    .allMatch(ms -> ms >= THROTTLING.delay().toMillis());

            assertThat(hostLogins).as("the other initiator logged in meanwhile").isNotEmpty();
            assertThat(hostLogins).as("and never failed or was refused").allSatisfy(login -> {
                assertThat(login.exit()).as(login.output()).isZero();
                assertThat(login.output()).contains("DIRECT_ACCESS");
            });

            List<String> throttleLines = new ArrayList<>(lines);
            assertThat(throttleLines).as("one line per back-off, not one per attempt: a few")
                    .hasSize(1 + (int) (answered - THROTTLING.threshold())).hasSizeLessThanOrEqualTo(5);
            assertThat(throttleLines.get(0)).contains(ATTACKER, IQN, "127.0.0.1", "refused for 10 s");
            assertThat(throttleLines).noneMatch(line -> line.contains(WRONG) || line.contains(SECRET));
            assertThat(throttleLines).noneMatch(line -> line.contains(HOST));

            System.out.printf("measured: %d guesses in %d ms: %d answered (authentication failure), %d refused "
                            + "(service unavailable, median %d ms each); %d throttle log lines; the other initiator "
                            + "logged in %d times meanwhile, median %d ms per iscsi-inq%n",
                    ATTEMPTS, loopMillis, answered, ATTEMPTS - answered, median(refusedMillis), throttleLines.size(),
                    hostLogins.size(), median(hostMillis));
        } finally {
            THROTTLE_LOG.removeHandler(capture);
        }
    }

    private static String url(String portal, String secret) {
        return "iscsi://" + USER + "%" + secret + "@" + portal + "/" + IQN + "/0";
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    }
}
