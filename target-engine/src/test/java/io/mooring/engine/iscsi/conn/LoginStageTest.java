package io.mooring.engine.iscsi.conn;

import static io.mooring.engine.iscsi.TargetFixture.INITIATOR;
import static io.mooring.engine.iscsi.TargetFixture.SECRET;
import static io.mooring.engine.iscsi.TargetFixture.TARGET;
import static io.mooring.engine.iscsi.TargetFixture.USER;
import static io.mooring.engine.iscsi.TargetFixture.chapResponse;
import static io.mooring.engine.iscsi.TargetFixture.single;
import static io.mooring.engine.iscsi.TargetFixture.startChap;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.iscsi.Pdus;
import io.mooring.engine.iscsi.Received;
import io.mooring.engine.iscsi.TargetFixture;
import io.mooring.engine.iscsi.pdu.IscsiPduEncoder;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The login stage hands the pipeline over to the full feature stage, with the negotiated codec settings. */
class LoginStageTest {

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

    @Test
    void finalLoginResponseReplacesTheLoginStageWithTheFullFeatureStage() {
        Received challenge = startChap(ch, INITIATOR, TARGET, ISID);
        single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, SECRET)));
        assertThat(ch.pipeline().get(LoginStage.class)).as("still logging in").isNotNull();
        Received last = single(ch, Pdus.login(Pdus.loginFlags(true, 0, 3), ISID, 1, 1, 0,
                "HeaderDigest=CRC32C", "DataDigest=CRC32C"));
        assertThat(last.loginStatus()).isZero();
        assertThat(last.keys()).containsEntry("HeaderDigest", "CRC32C").containsEntry("DataDigest", "CRC32C");

        assertThat(ch.pipeline().get(LoginStage.class)).isNull();
        assertThat(ch.pipeline().names()).startsWith("IscsiPduDecoder#0", "IscsiPduEncoder#0", "keepalive",
                "sequencer", "read-transfer", "write-transfer", "full-feature");
        assertThat(ch.pipeline().get(IscsiPduEncoder.class).dataDigest()).as("digests on after the handover")
                .isTrue();
        assertThat(fixture.node.sessions()).hasSize(1);
    }

    @Test
    void discoverySessionGetsNoScsiStages() {
        single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "InitiatorName=" + INITIATOR, "SessionType=Discovery", "AuthMethod=CHAP"));
        Received challenge = single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0, "CHAP_A=5"));
        single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), ISID, 1, 1, 0,
                "CHAP_N=" + USER, "CHAP_R=" + chapResponse(challenge, SECRET)));
        Received last = single(ch, Pdus.login(Pdus.loginFlags(true, 0, 3), ISID, 1, 1, 0));
        assertThat(last.loginStatus()).isZero();
        assertThat(ch.pipeline().names()).contains("sequencer", "keepalive", "full-feature")
                .doesNotContain("read-transfer", "write-transfer");
        assertThat(ch.pipeline().get(IscsiPduEncoder.class).dataDigest()).isFalse();
    }
}
