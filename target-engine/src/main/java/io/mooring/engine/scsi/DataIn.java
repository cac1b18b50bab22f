package io.mooring.engine.scsi;

import io.netty.buffer.ByteBuf;
import java.nio.channels.FileChannel;

/**
 * Data a command returns to the initiator. Either bytes already in memory or a region of a file that the
 * transport may send with zero copy (sendfile) when no data digest is negotiated.
 * Whoever holds a DataIn owns it until it is handed on; {@link #release()} frees what it holds.
 */
public sealed interface DataIn permits DataIn.Buffer, DataIn.FileRegion {

    int length();

    void release();

    /** In-memory data; the buffer's readable bytes are the data. */
    record Buffer(ByteBuf buf) implements DataIn {
        @Override
        public int length() {
            return buf.readableBytes();
        }

        @Override
        public void release() {
            buf.release();
        }
    }

    /** {@code length} bytes of {@code channel} from {@code position}; the channel stays open (the backend owns it). */
    record FileRegion(FileChannel channel, long position, int length) implements DataIn {
        @Override
        public void release() {
            // the backend owns the channel: nothing to free per command
        }
    }
}
