package io.mooring.engine.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.AccessGrant;
import io.mooring.engine.LoginThrottling;
import io.mooring.engine.iscsi.conn.LoginStage;
import io.mooring.engine.iscsi.login.LoginThrottle;
import io.mooring.engine.iscsi.node.TargetNode;
import io.mooring.engine.iscsi.node.TargetRegistry;
import io.mooring.engine.iscsi.pdu.IscsiPduDecoder;
import io.mooring.engine.iscsi.pdu.IscsiPduEncoder;
import io.mooring.engine.scsi.ScsiDevice;
import io.mooring.engine.scsi.bdev.FileBackend;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One target ("iqn.2024-01.test:disk", LUN 0 on a 4 MiB temp file) with a grant for two initiators, and
 * EmbeddedChannels running the real pipeline (decoder, encoder, connection) against it.
 */
public final class TargetFixture implements AutoCloseable {

    public static final String TARGET = "iqn.2024-01.test:disk";
    public static final String OTHER_TARGET = "iqn.2024-01.test:other";
    public static final String INITIATOR = "iqn.2024-01.test:initiator";
    public static final String INITIATOR_2 = "iqn.2024-01.test:initiator2";
    public static final String STRANGER = "iqn.2024-01.test:stranger";
    public static final String USER = "alice";
    public static final String SECRET = "alicesecret12";
    public static final String MUTUAL_USER = "target-alice";
    public static final String MUTUAL_SECRET = "targetsecret12";
    public static final int LUN_SIZE = 4 << 20;

    public final TargetRegistry registry = new TargetRegistry(1, "127.0.0.1:3260");
    public final TargetNode node;
    private final LoginThrottle throttle;
    private final Path dir;
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private int cmdSn;
    private int expStatSn;

    /** Logins are not throttled: the protocol tests fail logins on purpose, again and again. */
    public TargetFixture() throws IOException {
        this(new LoginThrottle(LoginThrottling.off(), System::nanoTime));
    }

    public TargetFixture(LoginThrottle throttle) throws IOException {
        this.throttle = throttle;
        LeakWatch.install();
        dir = Files.createTempDirectory("iscsi-fixture");
        node = registry.findOrCreate(TARGET, iqn -> new TargetNode(iqn, new ScsiDevice()));
        node.map(0, "vol-test", FileBackend.open(file("lun0.img", LUN_SIZE), false));
        node.grant(new AccessGrant(USER, SECRET, Set.of(INITIATOR, INITIATOR_2), false, MUTUAL_USER, MUTUAL_SECRET));
        TargetNode other = registry.findOrCreate(OTHER_TARGET, iqn -> new TargetNode(iqn, new ScsiDevice()));
        other.grant(AccessGrant.of("bob", "bobsecret1234", Set.of(INITIATOR), false));
    }

    private Path file(String name, long size) throws IOException {
        Path path = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(size);
        }
        return path;
    }

    /** The file behind LUN 0 of {@link #TARGET}. */
    public Path lunFile() {
        return dir.resolve("lun0.img");
    }

    public EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel(new IscsiPduDecoder(), new IscsiPduEncoder(),
                new LoginStage(registry, new SecureRandom(), TimeUnit.SECONDS.toNanos(5), throttle));
        channels.add(ch);
        return ch;
    }

    /** Writes one PDU and returns every PDU the target answered with. */
    public static List<Received> exchange(EmbeddedChannel ch, ByteBuf pdu) {
        ch.writeInbound(pdu);
        return Received.drain(ch);
    }

    public static Received single(EmbeddedChannel ch, ByteBuf pdu) {
        List<Received> out = exchange(ch, pdu);
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    /** Security stage up to the CHAP challenge; returns the response carrying CHAP_I and CHAP_C. */
    public static Received startChap(EmbeddedChannel ch, String initiator, String target, long isid) {
        return startChap(ch, initiator, target, isid, "5");
    }

    /** The same, offering the CHAP algorithms {@code chapA} (a CHAP_A list, most preferred first). */
    public static Received startChap(EmbeddedChannel ch, String initiator, String target, long isid, String chapA) {
        Received first = single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), isid, 1, 1, 0,
                "InitiatorName=" + initiator, "SessionType=Normal", "TargetName=" + target, "AuthMethod=CHAP,None"));
        assertThat(first.loginStatus()).isZero();
        assertThat(first.keys()).containsEntry("AuthMethod", "CHAP");
        Received challenge = single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), isid, 1, 1, 0, "CHAP_A=" + chapA));
        assertThat(challenge.loginStatus()).isZero();
        return challenge;
    }

    /**
     * CHAP_R for a challenge, computed here from RFC 1994's definition (hash of identifier, secret, challenge) with
     * the JDK's digests, not with the target's own code, so a wrong hash input in the target fails the tests.
     */
    public static String chapResponse(Received challenge, String secret) {
        Map<String, String> keys = challenge.keys();
        String digest = switch (keys.get("CHAP_A")) {
            case "5" -> "MD5";
            case "7" -> "SHA-256";
            case "8" -> "SHA3-256";
            default -> throw new AssertionError("unexpected CHAP_A " + keys.get("CHAP_A"));
        };
        String challengeHex = keys.get("CHAP_C");
        assertThat(challengeHex).startsWith("0x");
        try {
            MessageDigest hash = MessageDigest.getInstance(digest);
            hash.update((byte) Integer.parseInt(keys.get("CHAP_I")));
            hash.update(secret.getBytes(StandardCharsets.UTF_8));
            hash.update(HexFormat.of().parseHex(challengeHex.substring(2)));
            return "0x" + HexFormat.of().formatHex(hash.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A full normal-session login; returns the final Login Response. Operational keys go in the last request. */
    public Received login(EmbeddedChannel ch, String initiator, long isid, String... operational) {
        Received challenge = startChap(ch, initiator, TARGET, isid);
        Received afterAuth = single(ch, Pdus.login(Pdus.loginFlags(true, 0, 1), isid, 1, 1, 0,
                "CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, SECRET)));
        assertThat(afterAuth.loginStatus()).isZero();
        assertThat(afterAuth.flags() & 0x80).isNotZero();
        Received last = single(ch, Pdus.login(Pdus.loginFlags(true, 1, 3), isid, 1, 1, 0, operational));
        assertThat(last.loginStatus()).isZero();
        cmdSn = 1;
        expStatSn = last.statSn() + 1;
        // a new nexus first sees the POWER ON / RESET unit attention: take it now
        Received ua = single(ch, Pdus.scsiCommand(0x80, 0, 0x7000, 0, nextCmdSn(), new byte[6], null));
        assertThat(ua.opcode()).isEqualTo(0x21);
        return last;
    }

    public Received login(EmbeddedChannel ch) {
        return login(ch, INITIATOR, 0x400001370000L, "MaxRecvDataSegmentLength=8192", "ImmediateData=Yes",
                "InitialR2T=No", "MaxBurstLength=16384", "FirstBurstLength=8192", "MaxOutstandingR2T=2");
    }

    public int nextCmdSn() {
        return cmdSn++;
    }

    @Override
    public void close() throws IOException {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        for (TargetNode n : registry.nodes()) {
            n.device().close();
        }
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
        LeakWatch.assertNoLeaks();
    }
}
