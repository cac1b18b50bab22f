package io.mooring.bench;

import io.mooring.engine.scsi.lun.LatencyHistogram;
import io.mooring.engine.scsi.lun.LunCounters;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the metrics cost one SCSI command on the data path (issue 13), everything the engine does per command for
 * its counters, on the shared {@link LunCounters} of one LUN:
 * <ul>
 *   <li>{@code before}: the accounting before issue 13 (commands and bytes: two LongAdder adds);</li>
 *   <li>{@code now}: today's: the PDU's arrival time and the status's time ({@code System.nanoTime} twice),
 *       commands + queue depth, bytes, and the latency histogram (a bucket search, two adds), queue depth down;</li>
 *   <li>{@code histogramOnly}: one {@link LatencyHistogram#record};</li>
 *   <li>{@code clockOnly}: the two {@code System.nanoTime} calls alone.</li>
 * </ul>
 * {@code *2} variants run two threads on the same LUN (a multiattach volume, or two sessions on different event
 * loops): LongAdder's cells keep them apart. Run with {@code -prof gc}: every variant must show 0 B/op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AccountingBench {

    private static final int WRITE_16 = 0x8a;
    private static final int BYTES = 4096;

    private final LunCounters counters = new LunCounters();
    private final LatencyHistogram histogram = new LatencyHistogram();
    private final LongAdder commands = new LongAdder();
    private final LongAdder bytes = new LongAdder();

    @Benchmark
    public void before() {
        commands.increment();
        bytes.add(BYTES);
    }

    @Benchmark
    public void now() {
        long arrival = System.nanoTime();
        counters.commandExecuted();
        counters.bytesWritten(BYTES);
        counters.completed(WRITE_16, System.nanoTime() - arrival);
    }

    @Benchmark
    public void histogramOnly() {
        histogram.record(40_000);
    }

    @Benchmark
    public long clockOnly() {
        long arrival = System.nanoTime();
        return System.nanoTime() - arrival;
    }

    @Benchmark
    @Threads(2)
    public void before2() {
        before();
    }

    @Benchmark
    @Threads(2)
    public void now2() {
        now();
    }
}
