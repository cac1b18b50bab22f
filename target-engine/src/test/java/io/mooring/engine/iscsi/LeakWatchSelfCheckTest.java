package io.mooring.engine.iscsi;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class LeakWatchSelfCheckTest {

    @Test
    void aDroppedBufferIsReported() {
        LeakWatch.install();
        leak();
        assertThatThrownBy(LeakWatch::assertNoLeaks).isInstanceOf(AssertionError.class);
    }

    private static void leak() {
        ByteBufAllocator.DEFAULT.directBuffer(64).writeInt(1);
    }
}
