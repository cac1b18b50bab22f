package io.mooring.engine.iscsi;

import static io.mooring.engine.iscsi.TargetFixture.exchange;
import static io.mooring.engine.iscsi.TargetFixture.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KeepAliveAndFuzzTest {

    private static final int[] OPCODES = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x1c, 0x21, 0x3f};

    private TargetFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new TargetFixture();
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void idleConnectionIsPingedAndKeptWhileItAnswers() {
        EmbeddedChannel ch = fixture.channel();
        fixture.login(ch);
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        Received ping = Received.drain(ch).get(0);
        assertThat(ping.opcode()).isEqualTo(0x20);
        assertThat(ping.itt()).isEqualTo(-1);
        int ttt = ping.intAt(20);
        assertThat(ttt).isNotEqualTo(-1);
        assertThat(exchange(ch, Pdus.nopOut(true, -1, ttt, 0, null))).as("an answer gets no answer").isEmpty();
        ch.advanceTimeBy(6, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void deadConnectionIsDroppedWhenThePingTimesOut() {
        EmbeddedChannel ch = fixture.channel();
        fixture.login(ch);
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        Received.drain(ch);
        ch.advanceTimeBy(6, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(fixture.node.sessions()).isEmpty();
    }

    @Test
    void stalledLoginIsDroppedWhenIdle() {
        EmbeddedChannel ch = fixture.channel();
        TargetFixture.startChap(ch, TargetFixture.INITIATOR, TargetFixture.TARGET, 1);
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(ch.isOpen()).isFalse();
    }

    /**
     * Seeded fuzzing as SPDK does it: log in properly, then send PDUs with random BHS bytes (valid opcode and
     * lengths kept sane sometimes, not always). The connection may answer, reject or close, but never throws out
     * of the pipeline; other sessions are unaffected. A failing seed replays exactly.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomPdusAfterLoginNeverBreakTheEventLoop(long seed) {
        Random random = new Random(seed);
        EmbeddedChannel bystander = fixture.channel();
        fixture.login(bystander, TargetFixture.INITIATOR_2, 99, "MaxRecvDataSegmentLength=8192");
        EmbeddedChannel ch = fixture.channel();
        fixture.login(ch);
        for (int i = 0; i < 200 && ch.isOpen(); i++) {
            byte[] bhs = new byte[48];
            random.nextBytes(bhs);
            bhs[0] = (byte) (OPCODES[random.nextInt(OPCODES.length)] | (bhs[0] & 0x40));
            if (random.nextInt(4) != 0) {
                bhs[4] = 0; // no AHS most of the time, so that the body gets exercised
            }
            int length = random.nextInt(4) == 0 ? random.nextInt(1 << 20) : random.nextInt(600);
            byte[] data = new byte[Math.min(length, 9000)];
            random.nextBytes(data);
            ByteBuf frame = Pdus.frame(bhs, data);
            frame.setMedium(5, length); // sometimes lies about the length
            ch.writeInbound(frame);
            ch.checkException();
            Received.drain(ch);
        }
        ch.finishAndReleaseAll();
        Received nop = single(bystander, Pdus.nopOut(true, 5, -1, 0, null));
        assertThat(nop.opcode()).isEqualTo(0x20);
    }

    /** Seeds 1..N, N from -Dfuzz.seeds (16 by default); -Dfuzz.seed=S replays one. */
    static LongStream seeds() {
        Long one = Long.getLong("fuzz.seed");
        return one != null ? LongStream.of(one) : LongStream.rangeClosed(1, Long.getLong("fuzz.seeds", 16));
    }

    @Test
    void thousandsOfUnknownKeysStillAnswerWithinTheInitiatorsSegmentLength() {
        EmbeddedChannel ch = fixture.channel();
        fixture.login(ch);
        StringBuilder keys = new StringBuilder();
        for (int i = 0; keys.length() < 8000; i++) {
            keys.append("X-k").append(i).append("=v\0");
        }
        List<Received> first = exchange(ch, Pdus.textRequest(0x80, 3, -1, fixture.nextCmdSn(),
                keys.toString().getBytes()));
        Received part = first.get(0);
        int total = part.data().length;
        assertThat(part.data().length).isLessThanOrEqualTo(8192);
        while ((part.flags() & 0x40) != 0) { // C: more to come, ask with the TTT
            part = single(ch, Pdus.textRequest(0x80, 3, part.intAt(20), fixture.nextCmdSn(), null));
            assertThat(part.data().length).isLessThanOrEqualTo(8192);
            total += part.data().length;
        }
        assertThat(part.flags() & 0x80).isNotZero();
        assertThat(total).isGreaterThan(8192);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void textOver64KibIsRejectedAndCloses() {
        EmbeddedChannel ch = fixture.channel();
        fixture.login(ch);
        byte[] chunk = new byte[8192];
        java.util.Arrays.fill(chunk, (byte) 'a');
        Received r = null;
        int ttt = -1;
        for (int i = 0; i < 9 && ch.isOpen(); i++) {
            List<Received> out = exchange(ch, Pdus.textRequest(0x40, 4, ttt, fixture.nextCmdSn(), chunk));
            r = out.get(0);
            ttt = r.intAt(20);
        }
        assertThat(r.opcode()).isEqualTo(0x3f);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void emptyContinuationIsHarmless() {
        EmbeddedChannel ch = fixture.channel();
        fixture.login(ch);
        Received ack = single(ch, Pdus.textRequest(0x40, 4, -1, fixture.nextCmdSn(), null));
        Received done = single(ch, Pdus.textRequest(0x80, 4, ack.intAt(20), fixture.nextCmdSn(), null));
        assertThat(done.opcode()).isEqualTo(0x24);
        assertThat(done.data()).isEmpty();
        assertThat(Unpooled.EMPTY_BUFFER.refCnt()).isPositive();
    }
}
