package io.mooring.engine.iscsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mooring.engine.iscsi.pdu.Crc32c;
import io.mooring.engine.iscsi.pdu.DataInPdu;
import io.mooring.engine.iscsi.pdu.IscsiPduDecoder;
import io.mooring.engine.iscsi.pdu.IscsiPduEncoder;
import io.mooring.engine.iscsi.pdu.IscsiProtocolException;
import io.mooring.engine.iscsi.pdu.NopIn;
import io.mooring.engine.iscsi.pdu.NopOut;
import io.mooring.engine.iscsi.pdu.RejectPdu;
import io.mooring.engine.iscsi.pdu.ScsiCommandRequest;
import io.mooring.engine.iscsi.pdu.TargetPdu;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

class IscsiPduCodecTest {

    @org.junit.jupiter.api.AfterEach
    void noLeaks() {
        LeakWatch.assertNoLeaks();
    }

    static {
        LeakWatch.install();
    }

    private static EmbeddedChannel decoderChannel() {
        return new EmbeddedChannel(new IscsiPduDecoder());
    }

    @Test
    void decodesAPduFedOneByteAtATime() {
        EmbeddedChannel ch = decoderChannel();
        ByteBuf frame = Pdus.nopOut(true, 42, -1, 7, "hello".getBytes());
        while (frame.isReadable()) {
            ch.writeInbound(frame.readRetainedSlice(1));
        }
        frame.release();
        NopOut nop = ch.readInbound();
        assertThat(nop.initiatorTaskTag()).isEqualTo(42);
        assertThat(nop.cmdSn()).isEqualTo(7);
        assertThat(nop.immediate()).isTrue();
        assertThat(nop.data().toString(java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("hello");
        nop.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void decodesSeveralPdusFromOneRead() {
        EmbeddedChannel ch = decoderChannel();
        ByteBuf both = Unpooled.wrappedBuffer(Pdus.nopOut(true, 1, -1, 0, new byte[3]),
                Pdus.scsiCommand(0xc0, 0, 2, 512, 1, Pdus.read10(3, 1), null));
        ch.writeInbound(both);
        NopOut nop = ch.readInbound();
        ScsiCommandRequest cmd = ch.readInbound();
        assertThat(nop.dataSegmentLength()).isEqualTo(3);
        assertThat(cmd.read()).isTrue();
        assertThat(cmd.expectedDataTransferLength()).isEqualTo(512);
        assertThat(cmd.cdbOpcode()).isEqualTo(0x28);
        nop.release();
        cmd.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void loginSegmentsUpTo8192AreAcceptedAndLongerOnesRejected() {
        for (int length : new int[] {8189, 8190, 8191, 8192}) {
            EmbeddedChannel ch = decoderChannel();
            ch.writeInbound(Pdus.frame(Pdus.bhs(0x03, true, 0), new byte[length]));
            io.mooring.engine.iscsi.pdu.InitiatorPdu pdu = ch.readInbound();
            assertThat(pdu.dataSegmentLength()).isEqualTo(length);
            pdu.release();
            ch.finishAndReleaseAll();
        }
        EmbeddedChannel ch = decoderChannel();
        assertThatThrownBy(() -> ch.writeInbound(Pdus.frame(Pdus.bhs(0x03, true, 0), new byte[8193])))
                .isInstanceOf(IscsiProtocolException.class)
                .satisfies(e -> assertThat(((IscsiProtocolException) e).rejectedHeader()).hasSize(48));
        // terminal state: later bytes are discarded, nothing decodes
        ch.writeInbound(Pdus.nopOut(true, 1, -1, 0, null));
        assertThat((Object) ch.readInbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void targetOpcodesAndAhsAreProtocolErrors() {
        EmbeddedChannel ch = decoderChannel();
        assertThatThrownBy(() -> ch.writeInbound(Pdus.frame(Pdus.bhs(0x21, false, 0x80), null)))
                .isInstanceOf(IscsiProtocolException.class);
        EmbeddedChannel ahs = decoderChannel();
        byte[] bhs = Pdus.bhs(0x01, false, 0x80);
        bhs[4] = 1;
        ByteBuf frame = Unpooled.buffer().writeBytes(bhs).writeZero(4);
        assertThatThrownBy(() -> ahs.writeInbound(frame)).isInstanceOf(IscsiProtocolException.class);
        ch.finishAndReleaseAll();
        ahs.finishAndReleaseAll();
    }

    @Test
    void digestsAreCheckedAndMayArriveSplit() {
        IscsiPduDecoder decoder = new IscsiPduDecoder();
        decoder.enableDigests(true, true);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        byte[] bhs = Pdus.bhs(0x00, true, 0x80);
        Pdus.putInt(bhs, 16, 5);
        Pdus.putInt(bhs, 20, -1);
        ByteBuf frame;
        frame = Pdus.frame(bhs, "abcde".getBytes(), true, true);
        // split inside the header digest and inside the data digest
        ch.writeInbound(frame.readRetainedSlice(50));
        ch.writeInbound(frame.readRetainedSlice(frame.readableBytes() - 2));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(frame.readRetainedSlice(2));
        frame.release();
        NopOut nop = ch.readInbound();
        assertThat(nop.data().readableBytes()).isEqualTo(5);
        nop.release();

        ByteBuf badHeader = Pdus.frame(bhs.clone(), null, true, false);
        badHeader.setByte(49, badHeader.getByte(49) ^ 1);
        assertThatThrownBy(() -> ch.writeInbound(badHeader))
                .isInstanceOf(IscsiProtocolException.class)
                .satisfies(e -> assertThat(((IscsiProtocolException) e).rejectedHeader())
                        .as("a header that failed its digest is never quoted").isNull());
        ch.finishAndReleaseAll();

        EmbeddedChannel data = new EmbeddedChannel(decoderWithDigests());
        ByteBuf badData = Pdus.frame(bhs.clone(), "abcde".getBytes(), true, true);
        badData.setByte(badData.writerIndex() - 1, badData.getByte(badData.writerIndex() - 1) ^ 1);
        assertThatThrownBy(() -> data.writeInbound(badData))
                .isInstanceOf(IscsiProtocolException.class)
                .satisfies(e -> assertThat(((IscsiProtocolException) e).rejectReason())
                        .isEqualTo(RejectPdu.DATA_DIGEST_ERROR));
        data.finishAndReleaseAll();
    }

    @Test
    void aDataSegmentSpreadOverManyReadsIsDigestCheckedAndHandedOnWhole() {
        byte[] payload = new byte[65536 + 3];
        new java.util.Random(7).nextBytes(payload);
        byte[] bhs = Pdus.bhs(0x05, false, 0x80);
        for (int corrupt : new int[] {-1, 40000}) {
            IscsiPduDecoder decoder = decoderWithDigests();
            decoder.maxDataSegmentLength(262144);
            EmbeddedChannel ch = new EmbeddedChannel(decoder);
            ByteBuf frame = Pdus.frame(bhs.clone(), payload, true, true);
            if (corrupt >= 0) {
                frame.setByte(52 + corrupt, frame.getByte(52 + corrupt) ^ 1);
            }
            try {
                while (frame.isReadable()) {
                    ByteBuf read = Unpooled.directBuffer(1000);
                    frame.readBytes(read, Math.min(1000, frame.readableBytes()));
                    ch.writeInbound(read);
                }
                assertThat(corrupt).as("a corrupted segment fails its digest").isNegative();
                io.mooring.engine.iscsi.pdu.InitiatorPdu pdu = ch.readInbound();
                assertThat(ByteBufUtil.getBytes(pdu.data())).isEqualTo(payload);
                pdu.release();
            } catch (IscsiProtocolException e) {
                assertThat(corrupt).isNotNegative();
                assertThat(e.rejectReason()).isEqualTo(RejectPdu.DATA_DIGEST_ERROR);
            } finally {
                frame.release();
                ch.finishAndReleaseAll();
            }
        }
    }

    @Test
    void crc32cOfAComposite() {
        byte[] bytes = new byte[10000];
        new java.util.Random(3).nextBytes(bytes);
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        for (int at = 0; at < bytes.length; at += 3000) {
            int length = Math.min(3000, bytes.length - at);
            composite.addComponent(true, Unpooled.directBuffer(length).writeBytes(bytes, at, length));
        }
        Crc32c crc = new Crc32c();
        int expected = crc.of(Unpooled.wrappedBuffer(bytes), 17, 9000);
        assertThat(crc.of(composite, 17, 9000)).isEqualTo(expected);
        assertThat(crc.of(composite.slice(17, 9000), 0, 9000)).isEqualTo(expected);
        composite.release();
    }

    private static IscsiPduDecoder decoderWithDigests() {
        IscsiPduDecoder decoder = new IscsiPduDecoder();
        decoder.enableDigests(true, true);
        return decoder;
    }

    @Test
    void encoderPadsAndAppendsDigests() {
        IscsiPduEncoder encoder = new IscsiPduEncoder();
        encoder.enableDigests(true, true);
        EmbeddedChannel ch = new EmbeddedChannel(encoder);
        TargetPdu nop = new NopIn(0, 3, -1, Unpooled.wrappedBuffer("xyz".getBytes())).sequence(1, 2, 3);
        ch.writeOutbound(nop);
        ByteBuf out = Unpooled.buffer();
        ByteBuf part;
        while ((part = ch.readOutbound()) != null) {
            out.writeBytes(part);
            part.release();
        }
        assertThat(out.readableBytes()).isEqualTo(48 + 4 + 4 + 4);
        Crc32c crc = new Crc32c();
        assertThat(out.getIntLE(48)).isEqualTo(crc.of(out, 0, 48));
        assertThat(out.getMedium(5)).isEqualTo(3);
        assertThat(out.getByte(52 + 3)).isZero();
        assertThat(out.getIntLE(56)).isEqualTo(crc.of(out, 52, 4));
        assertThat(out.getInt(24)).isEqualTo(1);
        out.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void fileRegionsGoOutAsIsAndLargeBuffersAreNotCopied() throws Exception {
        Path file = Files.createTempFile("region", ".bin");
        Files.write(file, new byte[8192]);
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
            EmbeddedChannel ch = new EmbeddedChannel(new IscsiPduEncoder());
            ch.writeOutbound(DataInPdu.data(null, new DefaultFileRegion(fc, 0, 4096), false, 0, 1, 0, 0)
                    .sequence(0, 0, 0));
            ByteBuf header = ch.readOutbound();
            assertThat(header.readableBytes()).isEqualTo(48);
            assertThat(header.getMedium(5)).isEqualTo(4096);
            header.release();
            Object region = ch.readOutbound();
            assertThat(region).isInstanceOf(DefaultFileRegion.class);
            ((DefaultFileRegion) region).release();
            ByteBuf big = Unpooled.directBuffer(65536).writeZero(65536);
            ch.writeOutbound(DataInPdu.data(big, null, true, 0, 1, 1, 4096).sequence(0, 0, 0));
            ByteBuf h = ch.readOutbound();
            ByteBuf payload = ch.readOutbound();
            assertThat(payload.unwrap() == big || payload == big || payload.memoryAddress() == big.memoryAddress())
                    .as("same memory, no copy").isTrue();
            h.release();
            payload.release();
            ch.finishAndReleaseAll();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
