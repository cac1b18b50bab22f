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

import io.mooring.engine.ChapAlgorithm;
import io.mooring.engine.iscsi.login.Chap;
import io.mooring.engine.iscsi.login.LoginStatus;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoginTest {

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

    private Received answer(String... keys) {
        return single(ch, Pdus.login(Pdus.loginFlags(true, 0, 1), ISID, 1, 1, 0, keys));
    }

    private void assertFailed(Received response, int status) {
        assertThat(response.opcode()).isEqualTo(0x23);
        assertThat(response.loginStatus()).isEqualTo(status);
        assertThat(response.data()).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void chapLoginReachesFullFeaturePhaseWithNegotiatedValues() {
        Received last = fixture.login(ch, INITIATOR, ISID, "HeaderDigest=None,CRC32C", "DataDigest=None",
                "MaxRecvDataSegmentLength=65536", "MaxBurstLength=262144", "FirstBurstLength=65536",
                "ImmediateData=Yes", "InitialR2T=No", "ErrorRecoveryLevel=0", "MaxConnections=1",
                "X-com.example.Unknown=1");
        Map<String, String> keys = last.keys();
        assertThat(keys).containsEntry("HeaderDigest", "None").containsEntry("DataDigest", "None")
                .containsEntry("MaxBurstLength", "262144").containsEntry("FirstBurstLength", "65536")
                .containsEntry("ImmediateData", "Yes").containsEntry("InitialR2T", "No")
                .containsEntry("ErrorRecoveryLevel", "0").containsEntry("MaxConnections", "1")
                .containsEntry("X-com.example.Unknown", "NotUnderstood")
                .containsEntry("MaxRecvDataSegmentLength", "262144");
        assertThat(last.flags() & 0x83).isEqualTo(0x83); // T and NSG=3
        assertThat(last.bhs()[14] << 8 | last.bhs()[15] & 0xff).isNotZero(); // TSIH assigned
        assertThat(ch.isOpen()).isTrue();
        assertThat(fixture.node.sessions()).hasSize(1);
    }

    @Test
    void firstResponseCarriesPortalGroupTag() {
        Received first = single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + INITIATOR, "TargetName=" + TARGET, "AuthMethod=CHAP"));
        assertThat(first.keys()).containsEntry("TargetPortalGroupTag", "1");
    }

    @Test
    void wrongSecretIsAnAuthenticationFailure() {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID);
        assertFailed(answer("CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, "not-the-secret")),
                LoginStatus.AUTHENTICATION_FAILED);
    }

    @Test
    void unknownUserIsAnAuthenticationFailure() {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID);
        assertFailed(answer("CHAP_N=mallory", "CHAP_R=" + chapResponse(challenge, SECRET)),
                LoginStatus.AUTHENTICATION_FAILED);
    }

    @Test
    void base64ResponseIsAccepted() {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID);
        byte[] md5 = Chap.decode(chapResponse(challenge, SECRET));
        Received ok = answer("CHAP_N=" + USER, "CHAP_R=0b" + Base64.getEncoder().encodeToString(md5));
        assertThat(ok.loginStatus()).isZero();
    }

    @Test
    void badEncodingsFailAuthentication() {
        for (String bad : new String[] {"0x123", "0xzz112233445566778899aabbccddeeff", "0b!!!!", "0x", "1234",
            "0x00112233"}) {
            EmbeddedChannel c = fixture.channel();
            startChap(c, INITIATOR, TARGET, ISID);
            Received r = single(c, Pdus.login(Pdus.loginFlags(true, 0, 1), ISID, 1, 1, 0, "CHAP_N=" + USER,
                    "CHAP_R=" + bad));
            assertThat(r.loginStatus()).as(bad).isEqualTo(LoginStatus.AUTHENTICATION_FAILED);
            assertThat(c.isOpen()).isFalse();
        }
    }

    @Test
    void authMethodNoneIsRefused() {
        Received r = single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + INITIATOR, "TargetName=" + TARGET, "AuthMethod=None"));
        assertFailed(r, LoginStatus.AUTHENTICATION_FAILED);
    }

    @Test
    void skippingTheSecurityStageIsRefused() {
        Received r = single(ch, Pdus.login(Pdus.loginFlags(true, 1, 3), ISID, 1, 1, 0,
                "InitiatorName=" + INITIATOR, "TargetName=" + TARGET));
        assertFailed(r, LoginStatus.AUTHENTICATION_FAILED);
    }

    @Test
    void chapResponseBeforeChallengeIsOutOfSequence() {
        single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + INITIATOR, "TargetName=" + TARGET, "AuthMethod=CHAP"));
        assertFailed(answer("CHAP_N=" + USER, "CHAP_R=0x00112233445566778899aabbccddeeff"),
                LoginStatus.AUTHENTICATION_FAILED);
    }

    @Test
    void algorithmsNotOfferedAreRefused() {
        single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + INITIATOR, "TargetName=" + TARGET, "AuthMethod=CHAP"));
        // SHA-1 (6) is not offered, nor is anything unknown
        assertFailed(single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0, "CHAP_A=6,99")),
                LoginStatus.AUTHENTICATION_FAILED);
    }

    @Test
    void challengeIsFreshAndLongEnough() {
        Received a = startChap(ch, INITIATOR, TARGET, ISID);
        Received b = startChap(fixture.channel(), INITIATOR, TARGET, ISID);
        byte[] ca = Chap.decode(a.keys().get("CHAP_C"));
        assertThat(ca).hasSizeGreaterThanOrEqualTo(16);
        assertThat(ca).isNotEqualTo(Chap.decode(b.keys().get("CHAP_C")));
    }

    @Test
    void mutualChapAnswersWithTheTargetSecret() {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID);
        byte[] ours = new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        Received r = answer("CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, SECRET), "CHAP_I=77",
                "CHAP_C=" + Chap.encodeHex(ours));
        assertThat(r.loginStatus()).isZero();
        assertThat(r.keys()).containsEntry("CHAP_N", MUTUAL_USER)
                .containsEntry("CHAP_R", Chap.encodeHex(Chap.response(ChapAlgorithm.MD5, 77, MUTUAL_SECRET, ours)));
    }

    @Test
    void reflectedChallengeIsRefused() {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID);
        assertFailed(answer("CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, SECRET),
                "CHAP_I=" + challenge.keys().get("CHAP_I"), "CHAP_C=" + challenge.keys().get("CHAP_C")),
                LoginStatus.AUTHENTICATION_FAILED);
    }

    @Test
    void mutualChapWithoutTargetSecretFails() {
        EmbeddedChannel c = fixture.channel();
        Received challenge = single(c, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + INITIATOR, "TargetName=" + TargetFixture.OTHER_TARGET, "AuthMethod=CHAP"));
        assertThat(challenge.loginStatus()).isZero();
        challenge = single(c, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0, "CHAP_A=5"));
        Received r = single(c, Pdus.login(Pdus.loginFlags(true, 0, 1), ISID, 1, 1, 0, "CHAP_N=bob",
                "CHAP_R=" + chapResponse(challenge, "bobsecret1234"), "CHAP_I=1", "CHAP_C=0x0102030405060708"));
        assertThat(r.loginStatus()).isEqualTo(LoginStatus.AUTHENTICATION_FAILED);
    }

    @Test
    void unknownTargetIsNotFound() {
        assertFailed(single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + INITIATOR, "TargetName=iqn.2024-01.test:nope", "AuthMethod=CHAP")),
                LoginStatus.NOT_FOUND);
    }

    @Test
    void initiatorWithoutGrantIsNotAuthorized() {
        assertFailed(single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + TargetFixture.STRANGER, "TargetName=" + TARGET, "AuthMethod=CHAP")),
                LoginStatus.AUTHORIZATION_FAILED);
    }

    @Test
    void accountOfAnotherInitiatorIsNotAuthorized() {
        // bob's grant on OTHER_TARGET admits INITIATOR only; INITIATOR_2 is admitted there by nobody
        EmbeddedChannel c = fixture.channel();
        Received r = single(c, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + TargetFixture.INITIATOR_2, "TargetName=" + TargetFixture.OTHER_TARGET,
                "AuthMethod=CHAP"));
        assertThat(r.loginStatus()).isEqualTo(LoginStatus.AUTHORIZATION_FAILED);
    }

    @Test
    void missingInitiatorNameIsAMissingParameter() {
        assertFailed(single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "TargetName=" + TARGET, "AuthMethod=CHAP")), LoginStatus.MISSING_PARAMETER);
    }

    @Test
    void malformedTextIsAnInitiatorError() {
        byte[] bhs = Pdus.bhs(0x03, true, Pdus.loginFlags(false, 0, 0));
        ch.writeInbound(Pdus.frame(bhs, "InitiatorName=x\0NoEqualsSign\0".getBytes()));
        assertFailed(Received.drain(ch).get(0), LoginStatus.INITIATOR_ERROR);
    }

    @Test
    void duplicateKeysAreAnInitiatorError() {
        assertFailed(single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + INITIATOR, "InitiatorName=" + INITIATOR, "TargetName=" + TARGET)),
                LoginStatus.INITIATOR_ERROR);
    }

    @Test
    void continuedLoginTextIsAssembled() {
        byte[] whole = Pdus.text("InitiatorName=" + INITIATOR, "TargetName=" + TARGET, "AuthMethod=CHAP");
        byte[] first = java.util.Arrays.copyOfRange(whole, 0, 10);
        byte[] rest = java.util.Arrays.copyOfRange(whole, 10, whole.length);
        byte[] bhs = Pdus.bhs(0x03, true, Pdus.C);
        Received empty = single(ch, Pdus.frame(bhs, first));
        assertThat(empty.loginStatus()).isZero();
        assertThat(empty.data()).isEmpty();
        Received r = single(ch, Pdus.frame(Pdus.bhs(0x03, true, 0), rest));
        assertThat(r.keys()).containsEntry("AuthMethod", "CHAP");
    }

    @Test
    void nonLoginPduBeforeLoginIsRejectedAndCloses() {
        Received r = single(ch, Pdus.nopOut(true, 1, -1, 0, null));
        assertThat(r.opcode()).isEqualTo(0x3f);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void unsupportedVersionIsRefused() {
        byte[] bhs = Pdus.bhs(0x03, true, 0);
        bhs[3] = 1; // VersionMin
        ch.writeInbound(Pdus.frame(bhs, Pdus.text("InitiatorName=" + INITIATOR)));
        assertFailed(Received.drain(ch).get(0), LoginStatus.UNSUPPORTED_VERSION);
    }

    @Test
    void discoverySendTargetsListsOnlyGrantedTargets() {
        single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + INITIATOR, "SessionType=Discovery", "AuthMethod=CHAP"));
        Received challenge = single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0, "CHAP_A=5"));
        Received auth = answer("CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, SECRET));
        assertThat(auth.loginStatus()).isZero();
        Received last = single(ch, Pdus.login(Pdus.loginFlags(true, 1, 3), ISID, 1, 1, 0,
                "MaxRecvDataSegmentLength=8192"));
        assertThat(last.loginStatus()).isZero();
        Received text = single(ch, Pdus.textRequest(0x80, 5, -1, 1, Pdus.text("SendTargets=All")));
        assertThat(text.opcode()).isEqualTo(0x24);
        String listing = new String(text.data());
        assertThat(listing).contains("TargetName=" + TARGET).contains("TargetAddress=127.0.0.1:3260,1")
                .doesNotContain(TargetFixture.OTHER_TARGET);
        // a SCSI command has no place in a discovery session
        Received reject = single(ch, Pdus.scsiCommand(0x80, 0, 9, 0, 2, new byte[] {0, 0, 0, 0, 0, 0}, null));
        assertThat(reject.opcode()).isEqualTo(0x3f);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void reinstatementOnSameIsidEndsTheOldSession() {
        fixture.login(ch);
        EmbeddedChannel second = fixture.channel();
        fixture.login(second);
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(second.isOpen()).isTrue();
        assertThat(fixture.node.sessions()).hasSize(1);
    }

    @Test
    void revokeDuringLoginFailsTheLogin() {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID);
        assertThat(answer("CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, SECRET)).loginStatus()).isZero();
        assertThat(fixture.node.revoke(USER)).isZero(); // no session yet
        Received last = single(ch, Pdus.login(Pdus.loginFlags(true, 1, 3), ISID, 1, 1, 0));
        assertFailed(last, LoginStatus.AUTHORIZATION_FAILED);
        assertThat(fixture.node.sessions()).isEmpty();
    }

    @Test
    void revokeClosesTheSessionsOfThatAccount() {
        fixture.login(ch);
        assertThat(fixture.node.revoke(USER)).isEqualTo(1);
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(fixture.node.sessions()).isEmpty();
    }
}
