package io.mooring.engine.iscsi;

import io.mooring.engine.iscsi.login.TextParameters;
import io.mooring.engine.iscsi.pdu.Bhs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A target PDU as an initiator sees it on the wire: the BHS and the data segment. */
public record Received(byte[] bhs, byte[] data) {

    public int opcode() {
        return bhs[0] & 0x3f;
    }

    public int flags() {
        return bhs[1] & 0xff;
    }

    public int intAt(int at) {
        return Bhs.getInt(bhs, at);
    }

    public int byteAt(int at) {
        return bhs[at] & 0xff;
    }

    public int itt() {
        return intAt(16);
    }

    public int statSn() {
        return intAt(24);
    }

    /** Login response Status-Class and Status-Detail. */
    public int loginStatus() {
        return byteAt(36) << 8 | byteAt(37);
    }

    public Map<String, String> keys() {
        try {
            return TextParameters.parse(Unpooled.wrappedBuffer(data));
        } catch (Exception e) {
            throw new AssertionError("bad text in response", e);
        }
    }

    /** Everything the channel wrote, parsed into PDUs (no digests). */
    public static List<Received> drain(EmbeddedChannel channel) {
        return drain(channel, false, false);
    }

    public static List<Received> drain(EmbeddedChannel channel, boolean headerDigest, boolean dataDigest) {
        channel.runPendingTasks();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            if (msg instanceof ByteBuf) {
                ByteBuf buf = (ByteBuf) msg;
                byte[] b = new byte[buf.readableBytes()];
                buf.readBytes(b);
                bytes.writeBytes(b);
                buf.release();
            } else if (msg instanceof FileRegion) {
                FileRegion region = (FileRegion) msg;
                try {
                    WritableByteChannel sink = new WritableByteChannel() {
                        @Override
                        public int write(ByteBuffer src) {
                            int n = src.remaining();
                            byte[] b = new byte[n];
                            src.get(b);
                            bytes.writeBytes(b);
                            return n;
                        }

                        @Override
                        public boolean isOpen() {
                            return true;
                        }

                        @Override
                        public void close() {
                        }
                    };
                    while (region.transferred() < region.count()) {
                        region.transferTo(sink, region.transferred());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    region.release();
                }
            } else {
                throw new AssertionError("unexpected outbound " + msg);
            }
        }
        byte[] all = bytes.toByteArray();
        List<Received> out = new ArrayList<>();
        int at = 0;
        while (at < all.length) {
            byte[] bhs = java.util.Arrays.copyOfRange(all, at, at + 48);
            at += 48 + (headerDigest ? 4 : 0);
            int length = Bhs.getMedium(bhs, 5);
            byte[] data = java.util.Arrays.copyOfRange(all, at, at + length);
            at += (length + 3) & ~3;
            if (dataDigest && length > 0) {
                at += 4;
            }
            out.add(new Received(bhs, data));
        }
        return out;
    }
}
