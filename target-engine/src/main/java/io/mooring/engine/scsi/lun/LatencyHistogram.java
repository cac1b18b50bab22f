package io.mooring.engine.scsi.lun;

import java.util.concurrent.atomic.LongAdder;

/**
 * Command latencies in fixed buckets (5 µs … 10 s, then +Inf), as Prometheus histograms have them: recording is a
 * bucket search over a constant array and two adds, lock-free and without allocation, from any thread.
 */
public final class LatencyHistogram {

    /** Inclusive upper bounds in nanoseconds; a last, implicit bucket takes everything above (+Inf). */
    private static final long[] BOUNDS_NANOS = {
        5_000L, 10_000L, 25_000L, 50_000L, 100_000L, 250_000L, 500_000L,
        1_000_000L, 2_500_000L, 5_000_000L, 10_000_000L, 25_000_000L, 50_000_000L, 100_000_000L,
        250_000_000L, 500_000_000L, 1_000_000_000L, 2_500_000_000L, 5_000_000_000L, 10_000_000_000L,
    };

    private final LongAdder[] buckets = new LongAdder[BOUNDS_NANOS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    public LatencyHistogram() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** The finite upper bounds of the buckets in nanoseconds, ascending (a copy). */
    public static long[] boundsNanos() {
        return BOUNDS_NANOS.clone();
    }

    public void record(long nanos) {
        long value = Math.max(0, nanos); // nanoTime is monotonic, but a caller's subtraction may not be
        int low = 0;
        int high = BOUNDS_NANOS.length;
        while (low < high) { // the first bound >= value; BOUNDS_NANOS.length is the +Inf bucket
            int mid = (low + high) >>> 1;
            if (BOUNDS_NANOS[mid] < value) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        buckets[low].increment();
        sumNanos.add(value);
    }

    /**
     * A copy for exposition. The count is the sum of the buckets read, so the +Inf bucket always equals it even while
     * commands complete; the sum is read after them and may be a few commands ahead.
     */
    public Snapshot snapshot() {
        long[] counts = new long[buckets.length];
        long count = 0;
        for (int i = 0; i < buckets.length; i++) {
            counts[i] = buckets[i].sum();
            count += counts[i];
        }
        return new Snapshot(counts, count, sumNanos.sum());
    }

    /**
     * @param bucketCounts per bucket (not cumulative), in {@link #boundsNanos()} order, the +Inf bucket last
     * @param count        commands recorded
     * @param sumNanos     their total latency
     */
    public record Snapshot(long[] bucketCounts, long count, long sumNanos) {

        /** Commands that took at most {@code boundsNanos()[index]} (Prometheus' cumulative {@code le} buckets). */
        public long cumulativeCount(int index) {
            long total = 0;
            for (int i = 0; i <= index; i++) {
                total += bucketCounts[i];
            }
            return total;
        }
    }
}
