package io.mooring.engine.scsi.lun;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    private static final long[] BOUNDS = LatencyHistogram.boundsNanos();

    @Test
    void theBucketsRunFromFiveMicrosecondsToTenSecondsThenInfinity() {
        assertThat(BOUNDS[0]).isEqualTo(5_000L);
        assertThat(BOUNDS[BOUNDS.length - 1]).isEqualTo(10_000_000_000L);
        assertThat(BOUNDS).isSorted();
        assertThat(new LatencyHistogram().snapshot().bucketCounts()).hasSize(BOUNDS.length + 1);
    }

    @Test
    void aBoundIsInclusiveAsPrometheusLeIs() {
        LatencyHistogram histogram = new LatencyHistogram();
        histogram.record(5_000);      // le=5µs
        histogram.record(5_001);      // le=10µs
        histogram.record(1_000_000);  // le=1ms
        histogram.record(0);          // le=5µs
        histogram.record(-3);         // a clock step backwards counts as 0
        histogram.record(11_000_000_000L); // +Inf
        LatencyHistogram.Snapshot snapshot = histogram.snapshot();
        long[] counts = snapshot.bucketCounts();
        assertThat(counts[0]).isEqualTo(3);
        assertThat(counts[1]).isEqualTo(1);
        assertThat(counts[indexOf(1_000_000)]).isEqualTo(1);
        assertThat(counts[BOUNDS.length]).isEqualTo(1);
        assertThat(snapshot.count()).isEqualTo(6);
        assertThat(snapshot.sumNanos()).isEqualTo(5_000 + 5_001 + 1_000_000 + 11_000_000_000L);
        assertThat(snapshot.cumulativeCount(0)).isEqualTo(3);
        assertThat(snapshot.cumulativeCount(indexOf(1_000_000))).isEqualTo(5);
        assertThat(snapshot.cumulativeCount(BOUNDS.length)).isEqualTo(snapshot.count());
    }

    @Test
    void everyValueLandsInTheFirstBucketThatHoldsIt() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (int i = 0; i < BOUNDS.length; i++) {
            histogram.record(BOUNDS[i] - 1);
            histogram.record(BOUNDS[i]);
        }
        long[] counts = histogram.snapshot().bucketCounts();
        // bucket 0 holds bound0-1 and bound0; every later bucket its own bound, its bound-1 and nothing else
        assertThat(counts[0]).isEqualTo(2);
        for (int i = 1; i < BOUNDS.length; i++) {
            assertThat(counts[i]).as("bucket %d", i).isEqualTo(2);
        }
        assertThat(counts[BOUNDS.length]).isZero();
    }

    @Test
    void concurrentRecordersLoseNothing() throws InterruptedException {
        LatencyHistogram histogram = new LatencyHistogram();
        int threads = 4;
        int each = 100_000;
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long value = 1_000L * (t + 1) * 100;
            started.add(Thread.startVirtualThread(() -> {
                for (int i = 0; i < each; i++) {
                    histogram.record(value);
                }
            }));
        }
        for (Thread thread : started) {
            thread.join();
        }
        LatencyHistogram.Snapshot snapshot = histogram.snapshot();
        assertThat(snapshot.count()).isEqualTo((long) threads * each);
        assertThat(snapshot.sumNanos()).isEqualTo(each * (100_000L + 200_000L + 300_000L + 400_000L));
    }

    private static int indexOf(long bound) {
        for (int i = 0; i < BOUNDS.length; i++) {
            if (BOUNDS[i] == bound) {
                return i;
            }
        }
        throw new AssertionError(bound);
    }
}
