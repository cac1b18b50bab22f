package io.mooring.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.engine.scsi.bdev.FileBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine against Debian's real initiators (libiscsi's tools and qemu's iSCSI block driver), over loopback,
 * with CHAP in the URL: {@code iscsi://user%secret@127.0.0.1:PORT/IQN/0}.
 */
class RealInitiatorTest {

    static final String IQN = "iqn.2024-01.io.mooring.test:real";
    static final String INITIATOR = "iqn.2024-01.io.mooring.test:initiator";
    /** qemu's default initiator name when no VM name or uuid is set. */
    static final String QEMU_INITIATOR = "iqn.2008-11.org.linux-kvm";
    static final String USER = "tester";
    static final String SECRET = "testersecret12";
    static final long SIZE = 64L << 20;

    @TempDir
    static Path dir;
    static Path lun;
    static TargetEngine engine;

    @BeforeAll
    static void start() throws IOException {
        assertTrue(Processes.installed("iscsi-inq"), "libiscsi-bin is not installed: .ci/run installs it");
        lun = dir.resolve("lun0.img");
        try (RandomAccessFile raf = new RandomAccessFile(lun.toFile(), "rw")) {
            raf.setLength(SIZE);
        }
        engine = TargetEngine.start(EngineConfig.defaults().withListen("127.0.0.1", 0)
                .withNop(Duration.ofSeconds(2), Duration.ofSeconds(3)));
        engine.map(IQN, 0, "real-test", FileBackend.open(lun, false));
        Path second = dir.resolve("lun1.img");
        try (RandomAccessFile raf = new RandomAccessFile(second.toFile(), "rw")) {
            raf.setLength(SIZE / 2);
        }
        engine.map(IQN, 1, "real-test-1", FileBackend.open(second, false));
        engine.grant(IQN, AccessGrant.of(USER, SECRET, Set.of(INITIATOR, QEMU_INITIATOR), false));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    static String portal() {
        return "127.0.0.1:" + engine.localAddress().getPort();
    }

    static String url(String secret) {
        return "iscsi://" + USER + "%" + secret + "@" + portal() + "/" + IQN + "/0";
    }

    @Test
    void inquiryAndReadCapacity() throws Exception {
        Processes.Result inq = Processes.run(20, "iscsi-inq", "-i", INITIATOR, url(SECRET));
        assertThat(inq.exit()).as(inq.output()).isZero();
        assertThat(inq.output()).contains("DIRECT_ACCESS");
        Processes.Result cap = Processes.run(20, "iscsi-readcapacity16", "-i", INITIATOR, url(SECRET));
        assertThat(cap.exit()).as(cap.output()).isZero();
        assertThat(cap.output()).contains("Total size:" + SIZE);
    }

    @Test
    void secondLunIsAddressedByItsNumber() throws Exception {
        String lun1 = url(SECRET).replaceFirst("/0$", "/1");
        Processes.Result cap = Processes.run(20, "iscsi-readcapacity16", "-i", INITIATOR, lun1);
        assertThat(cap.exit()).as(cap.output()).isZero();
        assertThat(cap.output()).contains("Total size:" + SIZE / 2);
        Processes.Result ls = Processes.run(20, "iscsi-ls", "-s", "-i", INITIATOR,
                "iscsi://" + USER + "%" + SECRET + "@" + portal());
        assertThat(ls.output()).contains("Lun:0").contains("Lun:1");
    }

    @Test
    void headerDigestCrc32cInteroperates() throws Exception {
        Processes.Result cap = Processes.run(20, "iscsi-readcapacity16", "-i", INITIATOR,
                url(SECRET) + "?header_digest=crc32c");
        assertThat(cap.exit()).as(cap.output()).isZero();
        assertThat(cap.output()).contains("Total size:" + SIZE);
    }

    @Test
    void discoveryListsTheTargetAndItsLun() throws Exception {
        Processes.Result ls = Processes.run(20, "iscsi-ls", "-s", "-i", INITIATOR,
                "iscsi://" + USER + "%" + SECRET + "@" + portal());
        assertThat(ls.exit()).as(ls.output()).isZero();
        assertThat(ls.output()).contains("Target:" + IQN + " Portal:" + portal() + ",1").contains("Lun:0");
    }

    @Test
    void wrongSecretIsRefused() throws Exception {
        Processes.Result inq = Processes.run(20, "iscsi-inq", "-i", INITIATOR, url("wrongsecret123"));
        assertThat(inq.exit()).isNotZero();
        assertThat(inq.output()).contains("Authentication failure");
    }

    /**
     * Debian's libiscsi (1.19) offers CHAP_A=5 only: the target answers with MD5 for it, and an account that
     * requires SHA-256 refuses it with an authentication failure (login status 0x0201).
     */
    @Test
    void debianLibiscsiLogsInWithMd5UnlessTheAccountRequiresSha256() throws Exception {
        Processes.Result md5 = Processes.run(List.of("iscsi-inq", "-i", INITIATOR, url(SECRET)),
                Map.of("LIBISCSI_DEBUG", "10"), 20);
        assertThat(md5.exit()).as(md5.output()).isZero();
        assertThat(md5.output()).contains("TargetLoginReply: CHAP_A=5 ").contains("DIRECT_ACCESS");

        engine.grant(IQN, AccessGrant.of("strict", "strictsecret12", Set.of(INITIATOR), false)
                .withMinimumChap(ChapAlgorithm.SHA_256));
        try {
            Processes.Result refused = Processes.run(20, "iscsi-inq", "-i", INITIATOR,
                    "iscsi://strict%strictsecret12@" + portal() + "/" + IQN + "/0");
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.output()).contains("Authentication failure");
        } finally {
            engine.revoke(IQN, "strict");
        }
    }

    @Test
    void unlistedInitiatorIsNotAuthorized() throws Exception {
        Processes.Result inq = Processes.run(20, "iscsi-inq", "-i", "iqn.2024-01.io.mooring.test:stranger",
                url(SECRET));
        assertThat(inq.exit()).isNotZero();
        assertThat(inq.output()).contains("Authorization failure");
    }

    @Test
    void qemuWritesAndReadsBackByteExact() throws Exception {
        assertTrue(Processes.installed("qemu-io"), "qemu-utils is not installed: .ci/run installs it");
        Processes.Result io = Processes.run(60, "qemu-io", "-f", "raw",
                "-c", "write -P 0xab 0 1M", "-c", "read -P 0xab 0 1M",
                "-c", "write -P 0x5c 3M 5M", "-c", "read -P 0x5c 3M 5M", url(SECRET));
        assertThat(io.exit()).as(io.output()).isZero();
        assertThat(io.output()).contains("read 1048576/1048576 bytes").contains("read 5242880/5242880 bytes")
                .doesNotContain("Pattern verification failed");
        byte[] onDisk = new byte[1 << 20];
        try (RandomAccessFile raf = new RandomAccessFile(lun.toFile(), "r")) {
            raf.readFully(onDisk);
        }
        for (byte b : onDisk) {
            assertThat(b).isEqualTo((byte) 0xab);
        }
    }

    @Test
    void revokeDropsALiveSession() throws Exception {
        assertTrue(Processes.installed("qemu-io"), "qemu-utils is not installed: .ci/run installs it");
        Process qemu = new ProcessBuilder("qemu-io", "-f", "raw", url(SECRET)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu-io.log").toFile()).start();
        try (OutputStream commands = qemu.getOutputStream()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (engine.sessions().stream().noneMatch(s -> s.chapUser().equals(USER))) {
                assertThat(System.nanoTime()).as("qemu-io logged in").isLessThan(deadline);
                commands.write("read 0 64k\n".getBytes(StandardCharsets.US_ASCII));
                commands.flush();
                Thread.sleep(50);
            }
            for (int i = 0; i < 20; i++) {
                commands.write("read 0 64k\n".getBytes(StandardCharsets.US_ASCII));
            }
            commands.flush();
            SessionInfo live = engine.sessions().get(0);
            assertThat(live.initiatorName()).isEqualTo(QEMU_INITIATOR);
            assertThat(live.targetIqn()).isEqualTo(IQN);
            assertThat(live.remoteAddress()).startsWith("127.0.0.1:");
            assertThat(live.commands()).as("the session did I/O").isPositive();

            assertThat(engine.revoke(IQN, USER)).isEqualTo(1);
            long revoked = System.nanoTime();
            while (!engine.sessions().isEmpty()) {
                assertThat(System.nanoTime() - revoked).as("session closed within 1 s")
                        .isLessThan(TimeUnit.SECONDS.toNanos(1));
                Thread.sleep(10);
            }
            // the initiator's reconnect attempts are refused: the account is gone
            Thread.sleep(1500);
            assertThat(engine.sessions()).isEmpty();
        } catch (IOException stdinClosed) {
            // qemu-io gave up after the drop: that is fine too
        } finally {
            qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            engine.grant(IQN, AccessGrant.of(USER, SECRET, Set.of(INITIATOR, QEMU_INITIATOR), false));
        }
        assertThat(engine.sessions()).isEmpty();
    }
}
