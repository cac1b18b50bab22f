package io.mooring.engine.iscsi.conn;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.AccessGrant;
import io.mooring.engine.iscsi.LeakWatch;
import io.mooring.engine.iscsi.Pdus;
import io.mooring.engine.iscsi.Received;
import io.mooring.engine.iscsi.login.OperationalParameters;
import io.mooring.engine.iscsi.login.ParameterNegotiator;
import io.mooring.engine.iscsi.pdu.InitiatorPdu;
import io.mooring.engine.iscsi.pdu.IscsiPduDecoder;
import io.mooring.engine.iscsi.pdu.IscsiPduEncoder;
import io.mooring.engine.iscsi.pdu.NopIn;
import io.mooring.engine.iscsi.pdu.ScsiResponsePdu;
import io.mooring.engine.iscsi.session.CommandWindow;
import io.mooring.engine.iscsi.session.IscsiSession;
import io.mooring.engine.scsi.DataIn;
import io.mooring.engine.scsi.ScsiResponse;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each full feature stage alone on an EmbeddedChannel: CmdSN ordering, R2T issuance, Data-In splitting. */
class StageTest {

    private static final int WRITE = 0x20;
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    static {
        LeakWatch.install();
    }

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        LeakWatch.assertNoLeaks();
    }

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        return ch;
    }

    private static OperationalParameters params(String... keyValues) {
        ParameterNegotiator negotiator = new ParameterNegotiator();
        for (int i = 0; i < keyValues.length; i += 2) {
            negotiator.negotiate(keyValues[i], keyValues[i + 1]);
        }
        return negotiator.finish();
    }

    private static int cmdSnOf(Object pdu) {
        InitiatorPdu initiatorPdu = (InitiatorPdu) pdu;
        try {
            return io.mooring.engine.iscsi.pdu.Bhs.getInt(initiatorPdu.header(), 24);
        } finally {
            initiatorPdu.release();
        }
    }

    @Test
    void sequencerDeliversInCmdSnOrderQueuesGapsAndDropsWhatIsOutsideTheWindow() {
        CommandWindow window = new CommandWindow(10);
        EmbeddedChannel ch = channel();
        ch.pipeline().addLast(new IscsiPduDecoder(), new CommandSequencer(window, 100));

        ch.writeInbound(Pdus.nopOut(false, 2, -1, 11, null));
        assertThat((Object) ch.readInbound()).as("CmdSN 11 waits for 10").isNull();
        ch.writeInbound(Pdus.nopOut(false, 3, -1, 11, null)); // a duplicate of a queued CmdSN: dropped
        ch.writeInbound(Pdus.nopOut(false, 4, -1, 10 + CommandWindow.DEPTH, null)); // beyond MaxCmdSN: dropped
        ch.writeInbound(Pdus.nopOut(false, 5, -1, 9, null)); // already seen: dropped
        ch.writeInbound(Pdus.nopOut(true, 6, -1, 12, null)); // immediate: at once, whatever its number
        assertThat(cmdSnOf(ch.readInbound())).isEqualTo(12);
        ch.writeInbound(Pdus.nopOut(false, 1, -1, 10, null));
        assertThat(cmdSnOf(ch.readInbound())).isEqualTo(10);
        assertThat(cmdSnOf(ch.readInbound())).isEqualTo(11);
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(window.expCmdSn()).isEqualTo(12);
    }

    @Test
    void sequencerStampsStatSnOnlyForStatusAndTheCurrentWindow() {
        CommandWindow window = new CommandWindow(7);
        EmbeddedChannel ch = channel();
        ch.pipeline().addLast(new IscsiPduEncoder(), new CommandSequencer(window, 100));
        ch.writeOneOutbound(new NopIn(0, 1, -1, null)); // a NOP-In answer carries status
        ch.writeOneOutbound(new NopIn(0, -1, 5, null)); // a ping does not
        ch.writeOneOutbound(new ScsiResponsePdu(2, ScsiResponsePdu.COMMAND_COMPLETED, 0, 0, 0, 0, null));
        ch.flushOutbound();
        List<Received> out = Received.drain(ch);
        assertThat(out).extracting(Received::statSn).containsExactly(100, 101, 101);
        assertThat(out).allSatisfy(r -> {
            assertThat(r.intAt(28)).as("ExpCmdSN").isEqualTo(7);
            assertThat(r.intAt(32)).as("MaxCmdSN").isEqualTo(7 + CommandWindow.DEPTH - 1);
        });
    }

    private static IscsiPduDecoder decoder() {
        IscsiPduDecoder decoder = new IscsiPduDecoder();
        decoder.maxDataSegmentLength(262144);
        return decoder;
    }

    private Connection connection(EmbeddedChannel ch, OperationalParameters params) {
        IscsiSession session = new IscsiSession(null, "iqn.2024-01.test:i", 1, 1,
                AccessGrant.of("u", "secret123456", Set.of("iqn.2024-01.test:i"), false), 1, ch, 1);
        return new Connection(ch, session, params);
    }

    @Test
    void writeTransferAsksForTheRestInBurstsAndPassesTheTaskOnWhenAllDataIsIn() {
        EmbeddedChannel ch = channel();
        Connection connection = connection(ch, params("MaxBurstLength", "16384", "FirstBurstLength", "8192",
                "InitialR2T", "Yes", "ImmediateData", "Yes", "MaxOutstandingR2T", "2"));
        ch.pipeline().addLast(decoder(), new IscsiPduEncoder(), new WriteTransfer(connection, task -> { }));

        // 40 KiB write with 4 KiB immediate data: R2Ts for 16 KiB + 16 KiB (MaxOutstandingR2T 2), then 4 KiB
        ch.writeInbound(Pdus.scsiCommand(WRITE | 0x80, 0, 9, 40960, 1, Pdus.write10(0, 80), new byte[4096]));
        List<Received> r2ts = Received.drain(ch);
        assertThat(r2ts).extracting(Received::opcode).containsExactly(0x31, 0x31);
        assertThat(r2ts).extracting(r -> r.intAt(40)).as("offset").containsExactly(4096, 4096 + 16384);
        assertThat(r2ts).extracting(r -> r.intAt(44)).as("length").containsExactly(16384, 16384);
        assertThat(r2ts).extracting(r -> r.intAt(36)).as("R2TSN").containsExactly(0, 1);
        assertThat((Object) ch.readInbound()).isNull();

        int ttt0 = r2ts.get(0).intAt(20);
        ch.writeInbound(Pdus.dataOut(false, 9, ttt0, 0, 4096, new byte[8192]));
        ch.writeInbound(Pdus.dataOut(true, 9, ttt0, 1, 4096 + 8192, new byte[8192]));
        List<Received> third = Received.drain(ch);
        assertThat(third).hasSize(1);
        assertThat(third.get(0).intAt(40)).isEqualTo(4096 + 2 * 16384);
        assertThat(third.get(0).intAt(44)).isEqualTo(40960 - 4096 - 2 * 16384);

        int ttt1 = r2ts.get(1).intAt(20);
        ch.writeInbound(Pdus.dataOut(true, 9, ttt1, 0, 4096 + 16384, new byte[16384]));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(Pdus.dataOut(true, 9, third.get(0).intAt(20), 0, 4096 + 2 * 16384, new byte[4096]));
        IscsiTask task = ch.readInbound();
        assertThat(task.received).isEqualTo(40960);
        assertThat(task.dataOut.readableBytes()).isEqualTo(40960);
        connection.tasks.releaseAll();
    }

    @Test
    void writeTransferRejectsDataBeyondTheBurstAndCloses() {
        EmbeddedChannel ch = channel();
        Connection connection = connection(ch, params("MaxBurstLength", "16384", "InitialR2T", "Yes"));
        ch.pipeline().addLast(decoder(), new IscsiPduEncoder(), new WriteTransfer(connection, task -> { }));
        ch.writeInbound(Pdus.scsiCommand(WRITE | 0x80, 0, 9, 32768, 1, Pdus.write10(0, 64), null));
        int ttt = Received.drain(ch).get(0).intAt(20);
        ch.writeInbound(Pdus.dataOut(true, 9, ttt, 0, 0, new byte[20480]));
        assertThat(Received.drain(ch)).extracting(Received::opcode).containsExactly(0x3f);
        assertThat(connection.closing()).isTrue();
        assertThat(ch.isOpen()).isFalse();
        connection.tasks.releaseAll();
    }

    private static IscsiTask readTask(int expected, ScsiResponse response) {
        IscsiTask task = new IscsiTask(t -> { }, null, 5, 1, 0, 0, expected, true, false);
        task.cdb = Pdus.read10(0, expected / 512);
        task.response(response);
        return task;
    }

    @Test
    void readTransferSplitsAtSegmentAndBurstAndCarriesTheStatusInTheLastDataIn() {
        EmbeddedChannel ch = channel();
        ch.pipeline().addLast(new IscsiPduEncoder(), new ReadTransfer(8192, 16384, false, lun -> 512));
        byte[] data = new byte[20000];
        data[19999] = 42;
        ch.writeOutbound(readTask(24576, ScsiResponse.good(new DataIn.Buffer(Unpooled.wrappedBuffer(data)))));
        List<Received> out = Received.drain(ch);
        assertThat(out).extracting(Received::opcode).containsOnly(0x25);
        assertThat(out).extracting(r -> r.data().length).containsExactly(8192, 8192, 3616);
        assertThat(out).extracting(r -> r.intAt(36)).as("DataSN").containsExactly(0, 1, 2);
        assertThat(out).extracting(r -> r.flags() & 0x81).as("F at the burst end; F+S last")
                .containsExactly(0x00, 0x80, 0x81);
        assertThat(out.get(2).data()[3615]).isEqualTo((byte) 42);
        assertThat(out.get(2).flags() & 0x02).as("underflow").isNotZero();
        assertThat(out.get(2).intAt(44)).as("residual").isEqualTo(24576 - 20000);
    }

    @Test
    void readTransferSendsSenseInASeparateResponse() {
        EmbeddedChannel ch = channel();
        ch.pipeline().addLast(new IscsiPduEncoder(), new ReadTransfer(8192, 16384, false, lun -> 512));
        ch.writeOutbound(readTask(4096, new ScsiResponse(ScsiResponse.CHECK_CONDITION,
                TransportSense.INVALID_FIELD, null)));
        List<Received> out = Received.drain(ch);
        assertThat(out).extracting(Received::opcode).containsExactly(0x21);
        assertThat(out.get(0).byteAt(3)).as("status").isEqualTo(ScsiResponse.CHECK_CONDITION);
        assertThat(out.get(0).data()).hasSize(2 + 18);
    }
}
