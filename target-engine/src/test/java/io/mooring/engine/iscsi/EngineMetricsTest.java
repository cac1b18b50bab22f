package io.mooring.engine.iscsi;

import static io.mooring.engine.iscsi.TargetFixture.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.iscsi.node.LoginCounters;
import io.mooring.engine.iscsi.node.LoginCounters.FailureReason;
import io.mooring.engine.iscsi.node.NodeSession;
import io.mooring.engine.scsi.lun.LunCounters;
import io.mooring.engine.scsi.lun.LunCounters.Op;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's counters as a transport drives them: per-LUN latency by operation, bytes, queue depth and failures
 * by sense key, per-target login outcomes by reason, and the session's login time. Real SCSI layer over a file.
 */
class EngineMetricsTest {

    private static final int READ = 0xc0;   // F + R
    private static final int WRITE = 0xa0;  // F + W
    private static final int NO_DATA = 0x80; // F
    private static final int SCSI_RESPONSE = 0x21;
    private static final int ILLEGAL_REQUEST = 0x5;

    private TargetFixture fixture;
    private int itt = 100;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new TargetFixture();
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    private LunCounters.Snapshot lun() {
        return fixture.node.device().counters(0);
    }

    @Test
    void everyCommandLandsInItsOperationsHistogramOnceItsStatusLeft() {
        EmbeddedChannel ch = fixture.channel();
        fixture.login(ch); // ends with one TEST UNIT READY taking the unit attention: an "other" command
        int writes = 7;
        for (int i = 0; i < writes; i++) {
            Received status = single(ch, Pdus.scsiCommand(WRITE, 0, itt++, 4096, fixture.nextCmdSn(),
                    Pdus.write10(i * 8, 8), new byte[4096]));
            assertThat(status.opcode()).isEqualTo(SCSI_RESPONSE);
        }
        for (int i = 0; i < 3; i++) {
            TargetFixture.exchange(ch, Pdus.scsiCommand(READ, 0, itt++, 4096, fixture.nextCmdSn(),
                    Pdus.read10(i * 8, 8), null));
        }
        byte[] synchronizeCache = new byte[10];
        synchronizeCache[0] = 0x35;
        ch.writeInbound(Pdus.scsiCommand(NO_DATA, 0, itt++, 0, fixture.nextCmdSn(), synchronizeCache, null));
        // SYNCHRONIZE CACHE completes from the flush thread, then on the channel's loop: wait for its status
        List<Received> flushed = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (flushed.isEmpty() && System.nanoTime() < deadline) {
            ch.runPendingTasks();
            flushed.addAll(Received.drain(ch));
            Thread.onSpinWait();
        }
        assertThat(flushed).singleElement().extracting(Received::opcode).isEqualTo(SCSI_RESPONSE);

        LunCounters.Snapshot counters = lun();
        assertThat(counters.latency(Op.WRITE).count()).isEqualTo(writes);
        assertThat(counters.latency(Op.READ).count()).isEqualTo(3);
        assertThat(counters.latency(Op.FLUSH).count()).isEqualTo(1);
        assertThat(counters.latency(Op.OTHER).count()).isEqualTo(1);
        assertThat(counters.latency(Op.WRITE).sumNanos()).isPositive();
        assertThat(counters.commands()).isEqualTo(writes + 3 + 1 + 1);
        assertThat(counters.bytesWritten()).isEqualTo(writes * 4096L);
        assertThat(counters.bytesRead()).isEqualTo(3 * 4096L);
        assertThat(counters.inFlight()).isZero();
        assertThat(counters.errors()).isZero(); // the unit attention is normal traffic
    }

    @Test
    void aWriteWaitingForItsDataIsInFlightNeitherBeforeTheScsiLayerHasItNorAfterItsStatus() {
        EmbeddedChannel ch = fixture.channel();
        fixture.login(ch);
        int tag = itt++;
        // 16 KiB announced, 4 KiB immediate: the rest is solicited by R2T, so the SCSI layer does not have it yet
        TargetFixture.exchange(ch, Pdus.scsiCommand(WRITE & ~0x80, 0, tag, 16384, fixture.nextCmdSn(),
                Pdus.write10(0, 32), new byte[4096]));
        assertThat(lun().inFlight()).isZero();
        assertThat(lun().latency(Op.WRITE).count()).isZero();
    }

    @Test
    void failuresAreCountedBySenseKey() {
        EmbeddedChannel ch = fixture.channel();
        fixture.login(ch);
        Received status = single(ch, Pdus.scsiCommand(READ, 0, itt++, 512, fixture.nextCmdSn(),
                Pdus.read10(TargetFixture.LUN_SIZE / 512 + 10, 1), null));
        assertThat(status.byteAt(3)).isEqualTo(0x02); // CHECK CONDITION
        LunCounters.Snapshot counters = lun();
        assertThat(counters.errors()).isEqualTo(1);
        assertThat(counters.errorsBySenseKey()[ILLEGAL_REQUEST]).isEqualTo(1);
        assertThat(counters.errorsBySenseKey()).hasSize(16);
        assertThat(counters.latency(Op.READ).count()).isEqualTo(1); // a failed command still took its time
    }

    @Test
    void loginsAreCountedOnceByOutcomeAndReason() {
        fixture.login(fixture.channel());

        EmbeddedChannel wrongSecret = fixture.channel();
        Received challenge = TargetFixture.startChap(wrongSecret, TargetFixture.INITIATOR, TargetFixture.TARGET, 0x400001370001L);
        Received refused = single(wrongSecret, Pdus.login(Pdus.loginFlags(true, 0, 1), 0x400001370001L, 1, 1, 0,
                "CHAP_N=" + TargetFixture.USER, "CHAP_R=" + TargetFixture.chapResponse(challenge, "not-the-secret")));
        assertThat(refused.loginStatus()).isEqualTo(0x0201);

        EmbeddedChannel unknownTarget = fixture.channel();
        Received notFound = single(unknownTarget, Pdus.login(Pdus.loginFlags(false, 0, 0), 0x400001370002L, 1, 1, 0,
                "InitiatorName=" + TargetFixture.INITIATOR, "SessionType=Normal",
                "TargetName=iqn.2024-01.test:made-up-by-the-initiator", "AuthMethod=CHAP,None"));
        assertThat(notFound.loginStatus()).isEqualTo(0x0203);

        LoginCounters.Snapshot target = fixture.node.logins().snapshot();
        assertThat(target.successes()).isEqualTo(1);
        assertThat(target.failures(FailureReason.AUTHENTICATION_FAILED)).isEqualTo(1);
        assertThat(Arrays.stream(target.failures()).sum()).isEqualTo(1);
        // a name the initiator made up gets no counters of its own
        LoginCounters.Snapshot untargeted = fixture.registry.untargetedLogins().snapshot();
        assertThat(untargeted.failures(FailureReason.NOT_FOUND)).isEqualTo(1);
        assertThat(untargeted.successes()).isZero();
        assertThat(fixture.registry.find("iqn.2024-01.test:made-up-by-the-initiator")).isNull();
    }

    @Test
    void statusCodesMapToAFixedSetOfReasons() {
        assertThat(FailureReason.of(0x0201)).isEqualTo(FailureReason.AUTHENTICATION_FAILED);
        assertThat(FailureReason.of(0x0202)).isEqualTo(FailureReason.AUTHORIZATION_FAILED);
        assertThat(FailureReason.of(0x02ff)).isEqualTo(FailureReason.INITIATOR_ERROR);
        assertThat(FailureReason.of(0x0101)).isEqualTo(FailureReason.REDIRECTED);
        assertThat(FailureReason.of(0x0300)).isEqualTo(FailureReason.TARGET_ERROR);
        assertThat(FailureReason.of(0x03ee)).isEqualTo(FailureReason.TARGET_ERROR);
        assertThat(FailureReason.AUTHENTICATION_FAILED.label()).isEqualTo("authentication_failed");
    }

    @Test
    void aSessionKnowsWhenItLoggedIn() {
        Instant before = Instant.now();
        fixture.login(fixture.channel());
        NodeSession session = fixture.node.sessions().get(0);
        assertThat(session.info().loggedInAt()).isBetween(before, Instant.now());
    }
}
