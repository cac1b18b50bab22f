package io.mooring.engine.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Turns Netty's leak reports (paranoid in every test run) into test failures: the detector logs a leak when it
 * finds a buffer that was collected without being released; this collects those log records, and
 * {@link #assertNoLeaks()} forces a collection, lets the detector look, and fails on any report.
 */
public final class LeakWatch {

    private static final List<String> REPORTS = new ArrayList<>();
    private static final Logger LOGGER = Logger.getLogger(ResourceLeakDetector.class.getName());

    static {
        LOGGER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = String.valueOf(record.getMessage());
                if (message.contains("LEAK")) {
                    synchronized (REPORTS) {
                        REPORTS.add(message);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    private LeakWatch() {
    }

    /** Call once per test class (a static initializer touch is enough). */
    public static void install() {
        // the static initializer did it
    }

    public static void assertNoLeaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // the detector drains its reference queue when it tracks a new buffer
            for (int i = 0; i < 64; i++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(16);
                probe.release();
                ByteBuf heap = ByteBufAllocator.DEFAULT.heapBuffer(16);
                heap.release();
            }
        }
        List<String> found;
        synchronized (REPORTS) {
            found = new ArrayList<>(REPORTS);
            REPORTS.clear();
        }
        assertThat(found).as("Netty leak reports").isEmpty();
    }
}
