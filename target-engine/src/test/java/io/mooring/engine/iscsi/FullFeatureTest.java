package io.mooring.engine.iscsi;

import static io.mooring.engine.iscsi.TargetFixture.exchange;
import static io.mooring.engine.iscsi.TargetFixture.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Full feature phase on an EmbeddedChannel with the real SCSI layer over a temp file. The initiator negotiated
 * MaxRecvDataSegmentLength=8192, ImmediateData=Yes, InitialR2T=No, MaxBurstLength=16384, FirstBurstLength=8192,
 * MaxOutstandingR2T=2.
 */
class FullFeatureTest {

    private static final int READ = 0xc0;   // F + R
    private static final int WRITE = 0xa0;  // F + W
    private static final int DATA_IN = 0x25;
    private static final int SCSI_RESPONSE = 0x21;
    private static final int R2T = 0x31;
    private static final int REJECT = 0x3f;

    private TargetFixture fixture;
    private EmbeddedChannel ch;
    private int itt = 100;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new TargetFixture();
        ch = fixture.channel();
        fixture.login(ch);
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    private static byte[] pattern(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code data} at {@code lba} through immediate, unsolicited and R2T-solicited data. */
    private void writeThroughAllPaths(int lba, byte[] data) {
        int tag = itt++;
        // 4 KiB immediate, F clear: 4 KiB unsolicited follows (FirstBurstLength 8192)
        List<Received> none = exchange(ch, Pdus.scsiCommand(0x20, 0, tag, data.length, fixture.nextCmdSn(),
                Pdus.write10(lba, data.length / 512), Arrays.copyOfRange(data, 0, 4096)));
        assertThat(none).isEmpty();
        List<Received> r2ts = exchange(ch, Pdus.dataOut(true, tag, -1, 0, 4096, Arrays.copyOfRange(data, 4096, 8192)));
        assertThat(r2ts).allMatch(r -> r.opcode() == R2T).hasSize(2); // MaxOutstandingR2T=2
        int offset = 8192;
        List<Received> responses = List.of();
        while (offset < data.length) {
            Received r2t = r2ts.remove(0);
            assertThat(r2t.intAt(40)).isEqualTo(offset);
            int desired = r2t.intAt(44);
            assertThat(desired).isLessThanOrEqualTo(16384);
            int sn = 0;
            for (int sent = 0; sent < desired; sent += 8192) {
                int length = Math.min(8192, desired - sent);
                boolean last = sent + length == desired;
                responses = exchange(ch, Pdus.dataOut(last, tag, r2t.intAt(20), sn++, offset + sent,
                        Arrays.copyOfRange(data, offset + sent, offset + sent + length)));
                if (!last) {
                    assertThat(responses).isEmpty();
                }
            }
            offset += desired;
            for (Received r : responses) {
                if (r.opcode() == R2T) {
                    r2ts.add(r);
                }
            }
            r2ts = new java.util.ArrayList<>(r2ts);
        }
        Received status = responses.get(responses.size() - 1);
        assertThat(status.opcode()).isEqualTo(SCSI_RESPONSE);
        assertThat(status.byteAt(3)).isZero();
        assertThat(status.itt()).isEqualTo(tag);
    }

    private byte[] read(int lba, int length, List<Received> out) {
        int tag = itt++;
        List<Received> pdus = exchange(ch, Pdus.scsiCommand(READ, 0, tag, length, fixture.nextCmdSn(),
                Pdus.read10(lba, length / 512), null));
        out.addAll(pdus);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Received r : pdus) {
            if (r.opcode() == DATA_IN) {
                data.writeBytes(r.data());
            }
        }
        return data.toByteArray();
    }

    @Test
    void writeThenReadIsByteExactAndDataInIsSplitAtTheInitiatorsSegmentLength() {
        byte[] data = pattern(40960, 1);
        writeThroughAllPaths(16, data);
        List<Received> pdus = new java.util.ArrayList<>();
        assertThat(read(16, data.length, pdus)).isEqualTo(data);
        assertThat(pdus).hasSize(5).allMatch(r -> r.opcode() == DATA_IN && r.data().length <= 8192);
        for (int i = 0; i < pdus.size(); i++) {
            Received r = pdus.get(i);
            assertThat(r.intAt(36)).as("DataSN").isEqualTo(i);
            assertThat(r.intAt(40)).as("offset").isEqualTo(i * 8192);
        }
        assertThat(pdus.get(1).flags() & 0x80).as("F at the end of a 16 KiB burst").isNotZero();
        assertThat(pdus.get(0).flags() & 0x80).isZero();
        Received last = pdus.get(4);
        assertThat(last.flags() & 0x81).as("F and S: status collapsed into the last Data-In").isEqualTo(0x81);
        assertThat(last.byteAt(3)).isZero();
        assertThat(fixture.node.sessions().get(0).info().bytesIn()).isEqualTo(40960);
    }

    @Test
    void shortReadReportsUnderflow() {
        List<Received> pdus = new java.util.ArrayList<>();
        int tag = itt;
        pdus.addAll(exchange(ch, Pdus.scsiCommand(READ, 0, tag, 1024, fixture.nextCmdSn(), Pdus.read10(0, 1), null)));
        Received last = pdus.get(pdus.size() - 1);
        assertThat(last.opcode()).isEqualTo(DATA_IN);
        assertThat(last.flags() & 0x02).as("U").isNotZero();
        assertThat(last.intAt(44)).isEqualTo(512);
    }

    @Test
    void checkConditionCarriesSenseWithLengthPrefix() {
        Received r = single(ch, Pdus.scsiCommand(READ, 0, itt++, 512, fixture.nextCmdSn(),
                Pdus.read10(TargetFixture.LUN_SIZE / 512 + 10, 1), null));
        assertThat(r.opcode()).isEqualTo(SCSI_RESPONSE);
        assertThat(r.byteAt(3)).isEqualTo(0x02);
        int senseLength = (r.data()[0] & 0xff) << 8 | r.data()[1] & 0xff;
        assertThat(r.data().length).isEqualTo(2 + senseLength);
        assertThat(r.data()[2 + 2] & 0x0f).as("sense key ILLEGAL REQUEST").isEqualTo(0x05);
        assertThat(r.data()[2 + 12] & 0xff).as("LBA OUT OF RANGE").isEqualTo(0x21);
    }

    @Test
    void wrongDataSnIsRejectedAndTheSessionSurvives() {
        int tag = itt++;
        assertThat(exchange(ch, Pdus.scsiCommand(0x20, 0, tag, 8192, fixture.nextCmdSn(), Pdus.write10(0, 16),
                null))).isEmpty();
        Received reject = single(ch, Pdus.dataOut(false, tag, -1, 5, 0, new byte[4096]));
        assertThat(reject.opcode()).isEqualTo(REJECT);
        assertThat(reject.byteAt(2)).isEqualTo(0x04);
        assertThat(reject.data()).hasSize(48);
        // the rest of the aborted command's data is dropped silently
        assertThat(exchange(ch, Pdus.dataOut(true, tag, -1, 1, 4096, new byte[4096]))).isEmpty();
        assertThat(ch.isOpen()).isTrue();
        Received nop = single(ch, Pdus.nopOut(true, 7, -1, 0, null));
        assertThat(nop.opcode()).isEqualTo(0x20);
    }

    @Test
    void dataBeyondTheBurstIsRejectedAndCloses() {
        int tag = itt++;
        exchange(ch, Pdus.scsiCommand(0x20, 0, tag, 32768, fixture.nextCmdSn(), Pdus.write10(0, 64), null));
        exchange(ch, Pdus.dataOut(false, tag, -1, 0, 0, new byte[8192]));
        Received reject = single(ch, Pdus.dataOut(true, tag, -1, 1, 8192, new byte[512]));
        assertThat(reject.opcode()).isEqualTo(REJECT);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void unsolicitedDataWhenNoneAnnouncedIsRejectedAndCloses() {
        int tag = itt++;
        List<Received> r2t = exchange(ch, Pdus.scsiCommand(WRITE, 0, tag, 1024, fixture.nextCmdSn(),
                Pdus.write10(0, 2), null));
        assertThat(r2t).singleElement().matches(r -> r.opcode() == R2T);
        Received reject = single(ch, Pdus.dataOut(true, tag, -1, 0, 0, new byte[1024]));
        assertThat(reject.opcode()).isEqualTo(REJECT);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void dataOutForAnUnknownTaskIsRejected() {
        Received reject = single(ch, Pdus.dataOut(true, 4242, 7, 0, 0, new byte[512]));
        assertThat(reject.opcode()).isEqualTo(REJECT);
        assertThat(reject.byteAt(2)).isEqualTo(0x09);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void commandsOutsideTheWindowAreDroppedAndGapsWaitForTheirTurn() {
        int expected = fixture.nextCmdSn();
        assertThat(exchange(ch, Pdus.nopOut(false, 1, -1, expected - 1, null))).as("too low").isEmpty();
        assertThat(exchange(ch, Pdus.nopOut(false, 2, -1, expected + 1000, null))).as("too high").isEmpty();
        assertThat(exchange(ch, Pdus.nopOut(false, 3, -1, expected + 1, null))).as("gap: queued").isEmpty();
        List<Received> both = exchange(ch, Pdus.nopOut(false, 4, -1, expected, null));
        assertThat(both).extracting(Received::itt).containsExactly(4, 3);
        assertThat(both.get(1).intAt(28)).as("ExpCmdSN").isEqualTo(expected + 2);
    }

    @Test
    void cmdSnWindowWrapsAt32Bits() {
        // log in with CmdSN near 2^32 and run two commands across the wrap
        EmbeddedChannel c = fixture.channel();
        Received challenge = TargetFixture.startChap(c, TargetFixture.INITIATOR_2, TargetFixture.TARGET, 7);
        single(c, Pdus.login(Pdus.loginFlags(true, 0, 1), 7, 1, -1, 0, "CHAP_N=" + TargetFixture.USER,
                "CHAP_R=" + TargetFixture.chapResponse(challenge, TargetFixture.SECRET)));
        Received last = single(c, Pdus.login(Pdus.loginFlags(true, 1, 3), 7, 1, -1, 0));
        assertThat(last.intAt(28)).isEqualTo(-1);
        assertThat(single(c, Pdus.nopOut(false, 1, -1, -1, null)).intAt(28)).isZero();
        assertThat(single(c, Pdus.nopOut(false, 2, -1, 0, null)).intAt(28)).isEqualTo(1);
    }

    @Test
    void nopOutPingIsEchoed() {
        Received r = single(ch, Pdus.nopOut(true, 9, -1, 0, "ping".getBytes()));
        assertThat(r.opcode()).isEqualTo(0x20);
        assertThat(r.itt()).isEqualTo(9);
        assertThat(r.intAt(20)).isEqualTo(-1);
        assertThat(new String(r.data())).isEqualTo("ping");
    }

    @Test
    void abortOfAnUnknownTaskSaysItDoesNotExist() {
        Received r = single(ch, Pdus.taskManagement(1, 0, 50, 777, fixture.nextCmdSn(), fixture.nextCmdSn() - 10));
        assertThat(r.opcode()).isEqualTo(0x22);
        assertThat(r.byteAt(2)).isEqualTo(1);
    }

    @Test
    void abortOfATaskWaitingForDataCompletesAndDropsItsData() {
        int tag = itt++;
        exchange(ch, Pdus.scsiCommand(WRITE, 0, tag, 1024, fixture.nextCmdSn(), Pdus.write10(0, 2), null));
        Received r = single(ch, Pdus.taskManagement(1, 0, 51, tag, fixture.nextCmdSn(), 0));
        assertThat(r.byteAt(2)).isZero();
        assertThat(exchange(ch, Pdus.dataOut(true, tag, 0, 0, 0, new byte[1024]))).isEmpty();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void lunResetAndWarmResetComplete() {
        assertThat(single(ch, Pdus.taskManagement(5, 0, 52, -1, fixture.nextCmdSn(), 0)).byteAt(2)).isZero();
        assertThat(single(ch, Pdus.taskManagement(6, 0, 53, -1, fixture.nextCmdSn(), 0)).byteAt(2)).isZero();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void resetOfAnUnmappedLunSaysItDoesNotExist() {
        assertThat(single(ch, Pdus.taskManagement(5, 9, 57, -1, fixture.nextCmdSn(), 0)).byteAt(2)).isEqualTo(2);
    }

    @Test
    void lunResetEndsTheTasksOfOtherSessionsToo() {
        int tag = itt++;
        assertThat(exchange(ch, Pdus.scsiCommand(WRITE, 0, tag, 1024, fixture.nextCmdSn(), Pdus.write10(0, 2),
                null))).singleElement().matches(r -> r.opcode() == R2T);
        EmbeddedChannel other = fixture.channel();
        fixture.login(other, TargetFixture.INITIATOR_2, 77, "MaxRecvDataSegmentLength=8192");
        assertThat(single(other, Pdus.taskManagement(5, 0, 1, -1, 3, 0)).byteAt(2)).isZero();
        ch.runPendingTasks();
        // the reset task is gone: its data is dropped silently and no status ever comes
        assertThat(exchange(ch, Pdus.dataOut(true, tag, 0, 0, 0, new byte[1024]))).isEmpty();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void unsupportedTaskManagementFunctionsSaySo() {
        assertThat(single(ch, Pdus.taskManagement(3, 0, 54, -1, fixture.nextCmdSn(), 0)).byteAt(2))
                .as("CLEAR ACA").isEqualTo(5);
        assertThat(single(ch, Pdus.taskManagement(8, 0, 55, -1, fixture.nextCmdSn(), 0)).byteAt(2))
                .as("TASK REASSIGN at ERL 0").isEqualTo(4);
    }

    @Test
    void coldResetAnswersThenCloses() {
        assertThat(single(ch, Pdus.taskManagement(7, 0, 56, -1, fixture.nextCmdSn(), 0)).byteAt(2)).isZero();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void loginPduInFullFeaturePhaseIsRejectedAndCloses() {
        Received r = single(ch, Pdus.login(Pdus.loginFlags(false, 0, 0), 1, 1, 1, 0, "InitiatorName=x"));
        assertThat(r.opcode()).isEqualTo(REJECT);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void snackIsRejectedAtErrorRecoveryLevelZero() {
        byte[] snack = Pdus.bhs(0x10, false, 0x80);
        Received r = single(ch, Pdus.frame(snack, null));
        assertThat(r.opcode()).isEqualTo(REJECT);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void sendTargetsInANormalSessionListsOnlyThisTarget() {
        Received r = single(ch, Pdus.textRequest(0x80, 60, -1, fixture.nextCmdSn(),
                Pdus.text("SendTargets=All", "Foo=Bar")));
        assertThat(new String(r.data())).contains("TargetName=" + TargetFixture.TARGET)
                .doesNotContain(TargetFixture.OTHER_TARGET).contains("Foo=NotUnderstood");
        assertThat(r.flags() & 0x80).isNotZero();
    }

    @Test
    void textRequestsContinuedWithTheCBitAreAssembled() {
        byte[] whole = Pdus.text("SendTargets=All");
        Received ack = single(ch, Pdus.textRequest(0x40, 61, -1, fixture.nextCmdSn(),
                Arrays.copyOfRange(whole, 0, 5)));
        assertThat(ack.data()).isEmpty();
        assertThat(ack.flags() & 0xc0).isZero();
        Received r = single(ch, Pdus.textRequest(0x80, 61, ack.intAt(20), fixture.nextCmdSn(),
                Arrays.copyOfRange(whole, 5, whole.length)));
        assertThat(new String(r.data())).contains("TargetName=" + TargetFixture.TARGET);
    }

    @Test
    void logoutAnswersAndCloses() {
        Received r = single(ch, Pdus.logout(0, 70, fixture.nextCmdSn()));
        assertThat(r.opcode()).isEqualTo(0x26);
        assertThat(r.byteAt(2)).isZero();
        assertThat(ch.isOpen()).isFalse();
        assertThat(fixture.node.sessions()).isEmpty();
    }

    @Test
    void readOnlyGrantWriteProtectsEveryCommand() throws Exception {
        fixture.node.grant(io.mooring.engine.AccessGrant.of("reader", "readersecret1",
                java.util.Set.of(TargetFixture.INITIATOR_2), true));
        EmbeddedChannel c = fixture.channel();
        Received challenge = TargetFixture.startChap(c, TargetFixture.INITIATOR_2, TargetFixture.TARGET, 9);
        single(c, Pdus.login(Pdus.loginFlags(true, 0, 1), 9, 1, 1, 0, "CHAP_N=reader",
                "CHAP_R=" + TargetFixture.chapResponse(challenge, "readersecret1")));
        single(c, Pdus.login(Pdus.loginFlags(true, 1, 3), 9, 1, 1, 0, "ImmediateData=Yes"));
        single(c, Pdus.scsiCommand(0x80, 0, 1, 0, 1, new byte[6], null)); // unit attention of the new nexus
        Received r = single(c, Pdus.scsiCommand(WRITE, 0, 2, 512, 2, Pdus.write10(0, 1), new byte[512]));
        assertThat(r.byteAt(3)).isEqualTo(0x02);
        assertThat(r.data()[2 + 2] & 0x0f).as("DATA PROTECT").isEqualTo(0x07);
    }
}
