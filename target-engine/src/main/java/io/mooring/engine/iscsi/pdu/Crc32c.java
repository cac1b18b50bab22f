package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** iSCSI header and data digests: CRC32C (RFC 7143 13.1), sent least significant byte first. */
public final class Crc32c {

    private final CRC32C crc = new CRC32C();

    public void reset() {
        crc.reset();
    }

    public void update(ByteBuf buf, int index, int length) {
        if (length == 0) {
            return;
        }
        if (buf.hasArray()) {
            crc.update(buf.array(), buf.arrayOffset() + index, length);
        } else if (buf.nioBufferCount() == 1) {
            crc.update(buf.internalNioBuffer(index, length));
        } else {
            // a composite (the decoder's cumulation, a gathered Data-Out): each component's memory in turn
            for (ByteBuffer part : buf.nioBuffers(index, length)) {
                crc.update(part);
            }
        }
    }

    public void updateZeros(int count) {
        for (int i = 0; i < count; i++) {
            crc.update(0);
        }
    }

    public int value() {
        return (int) crc.getValue();
    }

    /** CRC32C of one range. */
    public int of(ByteBuf buf, int index, int length) {
        reset();
        update(buf, index, length);
        return value();
    }
}
