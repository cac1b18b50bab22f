package io.mooring.engine.iscsi.conn;

import io.netty.channel.DefaultFileRegion;
import java.nio.channels.FileChannel;

/**
 * A {@link DefaultFileRegion} (so epoll and NIO send it with sendfile) over a channel the backend owns: releasing
 * the region must not close the backend's file.
 */
final class SharedFileRegion extends DefaultFileRegion {

    SharedFileRegion(FileChannel channel, long position, long count) {
        super(channel, position, count);
    }

    @Override
    protected void deallocate() {
        // the backend owns the file channel
    }
}
