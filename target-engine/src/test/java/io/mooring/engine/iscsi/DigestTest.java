package io.mooring.engine.iscsi;

import static io.mooring.engine.iscsi.TargetFixture.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.iscsi.pdu.Crc32c;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Header and data digests end to end (libiscsi cannot do data digests, so this is their only test): digests start
 * right after the final Login Response, reads that the SCSI layer returns as file regions are read into buffers
 * so they can be digested, and a corrupted data digest is rejected.
 */
class DigestTest {

    private TargetFixture fixture;
    private EmbeddedChannel ch;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new TargetFixture();
        ch = fixture.channel();
        Received challenge = TargetFixture.startChap(ch, TargetFixture.INITIATOR, TargetFixture.TARGET, 3);
        single(ch, Pdus.login(Pdus.loginFlags(true, 0, 1), 3, 1, 1, 0, "CHAP_N=" + TargetFixture.USER,
                "CHAP_R=" + TargetFixture.chapResponse(challenge, TargetFixture.SECRET)));
        Received last = single(ch, Pdus.login(Pdus.loginFlags(true, 1, 3), 3, 1, 1, 0,
                "HeaderDigest=CRC32C", "DataDigest=CRC32C", "MaxRecvDataSegmentLength=8192"));
        assertThat(last.keys()).containsEntry("HeaderDigest", "CRC32C").containsEntry("DataDigest", "CRC32C");
        exchange(Pdus.scsiCommandHeader(0x80, 0, 1, 0, 1, new byte[6]), null); // the new nexus's unit attention
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    private List<Received> exchange(byte[] bhs, byte[] data) {
        ch.writeInbound(Pdus.frame(bhs, data, true, true));
        return Received.drain(ch, true, true);
    }

    @Test
    void writeAndReadWithDigests() {
        byte[] data = new byte[12288];
        new Random(7).nextBytes(data);
        List<Received> written = exchange(Pdus.scsiCommandHeader(0xa0, 0, 2, data.length, 2, Pdus.write10(8, 24)),
                data);
        assertThat(written).singleElement().matches(r -> r.opcode() == 0x21 && r.byteAt(3) == 0);
        List<Received> read = exchange(Pdus.scsiCommandHeader(0xc0, 0, 3, data.length, 3, Pdus.read10(8, 24)), null);
        ByteBuf got = Unpooled.buffer();
        for (Received r : read) {
            assertThat(r.opcode()).isEqualTo(0x25);
            assertThat(r.data().length).isLessThanOrEqualTo(8192);
            got.writeBytes(r.data());
        }
        assertThat(got.array()).startsWith(data);
        assertThat(got.readableBytes()).isEqualTo(data.length);
        got.release();
    }

    @Test
    void digestsOnTheWireAreCrc32c() {
        ch.writeInbound(Pdus.frame(nopHeader(), "ab".getBytes(), true, true));
        ch.runPendingTasks();
        ByteBuf out = Unpooled.buffer();
        Object msg;
        while ((msg = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) msg;
            out.writeBytes(b);
            b.release();
        }
        Crc32c crc = new Crc32c();
        assertThat(out.getIntLE(48)).isEqualTo(crc.of(out, 0, 48));
        assertThat(out.getIntLE(56)).isEqualTo(crc.of(out, 52, 4));
        out.release();
    }

    private static byte[] nopHeader() {
        byte[] bhs = Pdus.bhs(0x00, true, 0x80);
        Pdus.putInt(bhs, 16, 9);
        Pdus.putInt(bhs, 20, -1);
        return bhs;
    }

    @Test
    void corruptDataDigestIsRejectedAndCloses() {
        ByteBuf frame = Pdus.frame(nopHeader(), "abcd".getBytes(), true, true);
        frame.setByte(frame.writerIndex() - 1, frame.getByte(frame.writerIndex() - 1) ^ 0x40);
        ch.writeInbound(frame);
        List<Received> out = Received.drain(ch, true, true);
        assertThat(out).singleElement().matches(r -> r.opcode() == 0x3f && r.byteAt(2) == 0x02);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void corruptHeaderDigestClosesWithoutAnswer() {
        ByteBuf frame = Pdus.frame(nopHeader(), null, true, true);
        frame.setByte(50, frame.getByte(50) ^ 1);
        ch.writeInbound(frame);
        assertThat(Received.drain(ch, true, true)).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }
}
