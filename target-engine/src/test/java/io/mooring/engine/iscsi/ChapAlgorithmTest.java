package io.mooring.engine.iscsi;

import static io.mooring.engine.iscsi.TargetFixture.INITIATOR;
import static io.mooring.engine.iscsi.TargetFixture.MUTUAL_SECRET;
import static io.mooring.engine.iscsi.TargetFixture.MUTUAL_USER;
import static io.mooring.engine.iscsi.TargetFixture.SECRET;
import static io.mooring.engine.iscsi.TargetFixture.TARGET;
import static io.mooring.engine.iscsi.TargetFixture.USER;
import static io.mooring.engine.iscsi.TargetFixture.chapResponse;
import static io.mooring.engine.iscsi.TargetFixture.single;
import static io.mooring.engine.iscsi.TargetFixture.startChap;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.AccessGrant;
import io.mooring.engine.ChapAlgorithm;
import io.mooring.engine.iscsi.login.Chap;
import io.mooring.engine.iscsi.login.LoginStatus;
import io.netty.channel.embedded.EmbeddedChannel;
import java.security.MessageDigest;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CHAP with SHA-256 and SHA3-256 besides MD5: the initiator's preference, mutual CHAP, a grant's minimum. */
class ChapAlgorithmTest {

    private static final long ISID = 0x400001370000L;
    private TargetFixture fixture;
    private EmbeddedChannel ch;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new TargetFixture();
        ch = fixture.channel();
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    private Received answer(EmbeddedChannel c, String... keys) {
        return single(c, Pdus.login(Pdus.loginFlags(true, 0, 1), ISID, 1, 1, 0, keys));
    }

    @Test
    void sha256IsChosenWhenTheInitiatorPrefersIt() {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID, "7,5");
        assertThat(challenge.keys()).containsEntry("CHAP_A", "7");
        assertThat(Chap.decode(challenge.keys().get("CHAP_C"))).hasSize(32);
        Received r = answer(ch, "CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, SECRET));
        assertThat(r.loginStatus()).isZero();
        assertThat(r.flags() & 0x80).as("transit to operational").isNotZero();
    }

    @Test
    void sha3IsChosenWhenTheInitiatorPrefersIt() {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID, "8,7,5");
        assertThat(challenge.keys()).containsEntry("CHAP_A", "8");
        Received r = answer(ch, "CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, SECRET));
        assertThat(r.loginStatus()).isZero();
    }

    @Test
    void theInitiatorsOrderWinsAndUnknownEntriesAreSkipped() {
        assertThat(startChap(ch, INITIATOR, TARGET, ISID, "6,5,7").keys()).containsEntry("CHAP_A", "5");
        assertThat(startChap(fixture.channel(), INITIATOR, TARGET, ISID, "99,8,5").keys())
                .containsEntry("CHAP_A", "8");
    }

    @Test
    void anMd5ResponseToASha256ChallengeFails() throws Exception {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID, "7");
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        md5.update((byte) Integer.parseInt(challenge.keys().get("CHAP_I")));
        md5.update(SECRET.getBytes());
        md5.update(Chap.decode(challenge.keys().get("CHAP_C")));
        Received r = answer(ch, "CHAP_N=" + USER, "CHAP_R=" + Chap.encodeHex(md5.digest()));
        assertThat(r.loginStatus()).isEqualTo(LoginStatus.AUTHENTICATION_FAILED);
    }

    @Test
    void mutualChapAnswersWithSha256() {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID, "7,5");
        byte[] ours = new byte[32];
        for (int i = 0; i < ours.length; i++) {
            ours[i] = (byte) (i * 7 + 1);
        }
        Received r = answer(ch, "CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, SECRET), "CHAP_I=42",
                "CHAP_C=" + Chap.encodeHex(ours));
        assertThat(r.loginStatus()).isZero();
        byte[] expected = Chap.response(ChapAlgorithm.SHA_256, 42, MUTUAL_SECRET, ours);
        assertThat(expected).hasSize(32);
        assertThat(r.keys()).containsEntry("CHAP_N", MUTUAL_USER).containsEntry("CHAP_R", Chap.encodeHex(expected));
    }

    @Test
    void aGrantThatRequiresSha256RefusesMd5WithAuthenticationFailure() {
        String strictInitiator = "iqn.2024-01.test:strict";
        fixture.node.grant(AccessGrant.of("carol", "carolsecret12", Set.of(strictInitiator), false)
                .withMinimumChap(ChapAlgorithm.SHA_256));
        Received md5Only = single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + strictInitiator, "SessionType=Normal", "TargetName=" + TARGET, "AuthMethod=CHAP"));
        assertThat(md5Only.loginStatus()).isZero();
        assertThat(single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0, "CHAP_A=5")).loginStatus())
                .isEqualTo(LoginStatus.AUTHENTICATION_FAILED);
        assertThat(ch.isOpen()).isFalse();

        for (String offer : new String[] {"7", "8", "5,7"}) {
            EmbeddedChannel c = fixture.channel();
            Received challenge = startChap(c, strictInitiator, TARGET, ISID, offer);
            assertThat(challenge.keys().get("CHAP_A")).as("CHAP_A=%s", offer).isNotEqualTo("5");
            assertThat(answer(c, "CHAP_N=carol", "CHAP_R=" + chapResponse(challenge, "carolsecret12"))
                    .loginStatus()).as("CHAP_A=%s", offer).isZero();
        }
        // an initiator whose grants take any algorithm still gets MD5 when it prefers it
        Received alice = startChap(fixture.channel(), INITIATOR, TARGET, ISID, "5,7");
        assertThat(alice.keys()).containsEntry("CHAP_A", "5");
    }

    @Test
    void grantsDefaultToAnyAlgorithmAndNeverShowSecrets() {
        AccessGrant grant = new AccessGrant("u", "secret123456", Set.of(INITIATOR), false, null, null);
        assertThat(grant.minimumChap()).isEqualTo(ChapAlgorithm.MD5);
        assertThat(grant.admitsChap(ChapAlgorithm.MD5)).isTrue();
        AccessGrant strict = grant.withMinimumChap(ChapAlgorithm.SHA3_256);
        assertThat(strict.admitsChap(ChapAlgorithm.SHA_256)).isFalse();
        assertThat(strict.admitsChap(ChapAlgorithm.SHA3_256)).isTrue();
        assertThat(strict.toString()).doesNotContain("secret123456").contains("minimumChap=SHA3_256");
    }
}
