package io.mooring.bench;

import io.mooring.engine.iscsi.pdu.Crc32c;
import io.mooring.engine.iscsi.pdu.DataInPdu;
import io.mooring.engine.iscsi.pdu.InitiatorPdu;
import io.mooring.engine.iscsi.pdu.IscsiPdu;
import io.mooring.engine.iscsi.pdu.IscsiPduDecoder;
import io.mooring.engine.iscsi.pdu.IscsiPduEncoder;
import io.mooring.engine.iscsi.pdu.Opcodes;
import io.mooring.engine.iscsi.pdu.ScsiResponsePdu;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The engine's real PDU codec ({@link IscsiPduDecoder}, {@link IscsiPduEncoder}) on an {@link EmbeddedChannel}
 * with the pooled direct allocator the engine uses: ns/op, and B/op with {@code -prof gc}.
 *
 * <ul>
 *   <li>{@code decode}: one initiator PDU (SCSI Command when {@code dataLength == 0}, else a Data-Out carrying
 *       {@code dataLength} bytes) framed from one inbound buffer, the PDU object released after.</li>
 *   <li>{@code encodeDataIn}: one Data-In with a {@code dataLength} buffer payload (status in the PDU), every
 *       outbound buffer released after; {@code encodeResponse}: one SCSI Response without sense (the write path's
 *       answer).</li>
 * </ul>
 * {@code digests=true} turns header and data CRC32C on for both sides.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class PduCodecBench {

    @Param({"0", "4096", "262144"})
    public int dataLength;

    @Param({"false", "true"})
    public boolean digests;

    private EmbeddedChannel decodeChannel;
    private EmbeddedChannel encodeChannel;
    private ByteBuf wire;
    private ByteBuf payload;

    @Setup(Level.Trial)
    public void setup() {
        IscsiPduDecoder decoder = new IscsiPduDecoder();
        decoder.enableDigests(digests, digests);
        decoder.maxDataSegmentLength(262144);
        decodeChannel = new EmbeddedChannel(decoder);
        decodeChannel.config().setOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);

        IscsiPduEncoder encoder = new IscsiPduEncoder();
        encoder.enableDigests(digests, digests);
        encodeChannel = new EmbeddedChannel(encoder);
        encodeChannel.config().setOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);

        byte[] bytes = new byte[Math.max(dataLength, 1)];
        ThreadLocalRandom.current().nextBytes(bytes);
        payload = PooledByteBufAllocator.DEFAULT.directBuffer(dataLength);
        payload.writeBytes(bytes, 0, dataLength);
        wire = initiatorPdu(dataLength, digests, payload);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        wire.release();
        payload.release();
        decodeChannel.finishAndReleaseAll();
        encodeChannel.finishAndReleaseAll();
    }

    @Benchmark
    public int decode() {
        decodeChannel.writeInbound(wire.retainedDuplicate());
        InitiatorPdu pdu = decodeChannel.readInbound();
        int tag = pdu.initiatorTaskTag() + pdu.dataSegmentLength();
        pdu.release();
        return tag;
    }

    @Benchmark
    public void encodeDataIn(Blackhole bh) {
        ByteBuf data = dataLength == 0 ? null : payload.retainedSlice();
        DataInPdu pdu = DataInPdu.withStatus(data, null, 0, 0, 0, 0L, 0x1234, 0, 0);
        pdu.sequence(1, 2, 33);
        encodeChannel.writeOutbound(pdu);
        drain(bh);
    }

    @Benchmark
    public void encodeResponse(Blackhole bh) {
        ScsiResponsePdu pdu = new ScsiResponsePdu(0x1234, ScsiResponsePdu.COMMAND_COMPLETED, 0, 0, 0, 0, null);
        pdu.sequence(1, 2, 33);
        encodeChannel.writeOutbound(pdu);
        drain(bh);
    }

    private void drain(Blackhole bh) {
        Object out;
        while ((out = encodeChannel.readOutbound()) != null) {
            bh.consume(out);
            ReferenceCountUtil.release(out);
        }
    }

    /** A SCSI Command (no data) or a Data-Out with {@code length} bytes, exactly as an initiator frames it. */
    static ByteBuf initiatorPdu(int length, boolean digests, ByteBuf data) {
        Crc32c crc = new Crc32c();
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(IscsiPdu.BHS_LENGTH + 8 + length + 3);
        b.writeZero(IscsiPdu.BHS_LENGTH);
        if (length == 0) {
            b.setByte(0, Opcodes.SCSI_COMMAND);
            b.setByte(1, 0x80 | 0x40 | 0x01);         // F, R, SIMPLE
            b.setInt(20, 4096);                        // EDTL
            b.setInt(24, 1);                           // CmdSN
            b.setByte(32, 0x88);                       // READ(16)
            b.setInt(32 + 10, 8);
        } else {
            b.setByte(0, Opcodes.DATA_OUT);
            b.setByte(1, 0x80);                        // F
            b.setMedium(5, length);
            b.setInt(20, 0xffffffff);                  // unsolicited
        }
        b.setInt(16, 0x1234);                          // ITT
        if (digests) {
            b.writeIntLE(crc.of(b, 0, IscsiPdu.BHS_LENGTH));
        }
        if (length > 0) {
            int start = b.writerIndex();
            b.writeBytes(data, data.readerIndex(), length);
            b.writeZero(-length & 3);
            if (digests) {
                b.writeIntLE(crc.of(b, start, b.writerIndex() - start));
            }
        }
        return b;
    }
}
