package io.mooring.engine.scsi.lun;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-LUN statistics, updated from every event loop without contention and without allocation. The SCSI layer
 * counts commands, bytes and failures; the transport, which sees a command from its PDU's arrival to its status
 * leaving, reports each command's end through {@link #completed} (latency, queue depth).
 */
public final class LunCounters {

    /** What a command is, for its latency and rate: classified by opcode. */
    public enum Op {
        READ, WRITE, FLUSH, OTHER;

        private static final Op[] BY_OPCODE = new Op[256];

        static {
            Arrays.fill(BY_OPCODE, OTHER);
            for (int opcode : new int[] {0x08, 0x28, 0xa8, 0x88}) { // READ (6/10/12/16)
                BY_OPCODE[opcode] = READ;
            }
            // WRITE (6/10/12/16), WRITE AND VERIFY (10/12/16), WRITE SAME (10/16), COMPARE AND WRITE
            for (int opcode : new int[] {0x0a, 0x2a, 0xaa, 0x8a, 0x2e, 0xae, 0x8e, 0x41, 0x93, 0x89}) {
                BY_OPCODE[opcode] = WRITE;
            }
            BY_OPCODE[0x35] = FLUSH; // SYNCHRONIZE CACHE (10)
            BY_OPCODE[0x91] = FLUSH; // SYNCHRONIZE CACHE (16)
        }

        public static Op of(int opcode) {
            return BY_OPCODE[opcode & 0xff];
        }
    }

    private static final Op[] OPS = Op.values();

    private final LongAdder commands = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder[] errorsBySenseKey = new LongAdder[16];
    private final LongAdder inFlight = new LongAdder();
    private final LatencyHistogram[] latency = new LatencyHistogram[OPS.length];

    public LunCounters() {
        for (int i = 0; i < errorsBySenseKey.length; i++) {
            errorsBySenseKey[i] = new LongAdder();
        }
        for (int i = 0; i < latency.length; i++) {
            latency[i] = new LatencyHistogram();
        }
    }

    /** The SCSI layer took a command for this LU; it is in flight until {@link #completed} or {@link #abandoned}. */
    public void commandExecuted() {
        commands.increment();
        inFlight.increment();
    }

    public void bytesRead(long count) {
        bytesRead.add(count);
    }

    public void bytesWritten(long count) {
        bytesWritten.add(count);
    }

    /** A command that failed: CHECK CONDITION other than a unit attention (conflicts and UAs are normal traffic). */
    public void commandFailed(int senseKey) {
        errors.increment();
        errorsBySenseKey[senseKey & 0x0f].increment();
    }

    /** The command with {@code opcode} had its status handed to the connection {@code nanos} after it arrived. */
    public void completed(int opcode, long nanos) {
        inFlight.decrement();
        latency[Op.of(opcode).ordinal()].record(nanos);
    }

    /** The command ended without a status (aborted, or its connection closed). */
    public void abandoned() {
        inFlight.decrement();
    }

    public Snapshot snapshot() {
        long[] bySenseKey = new long[errorsBySenseKey.length];
        for (int i = 0; i < bySenseKey.length; i++) {
            bySenseKey[i] = errorsBySenseKey[i].sum();
        }
        LatencyHistogram.Snapshot[] latencies = new LatencyHistogram.Snapshot[latency.length];
        for (int i = 0; i < latencies.length; i++) {
            latencies[i] = latency[i].snapshot();
        }
        return new Snapshot(commands.sum(), bytesRead.sum(), bytesWritten.sum(), errors.sum(), bySenseKey,
                Math.max(0, inFlight.sum()), latencies);
    }

    /**
     * A point-in-time copy for the engine API; {@code errors} counts failed commands.
     *
     * @param errorsBySenseKey failed commands per sense key (index = SPC-4 sense key 0x0-0xf)
     * @param inFlight         commands taken by the SCSI layer whose status has not left yet (queue depth)
     * @param latencies        per {@link Op} (by ordinal): from the command PDU's arrival to its status
     */
    public record Snapshot(long commands, long bytesRead, long bytesWritten, long errors, long[] errorsBySenseKey,
                           long inFlight, LatencyHistogram.Snapshot[] latencies) {

        public LatencyHistogram.Snapshot latency(Op op) {
            return latencies[op.ordinal()];
        }
    }
}
