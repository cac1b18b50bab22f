package io.mooring.engine.scsi.lun;

import java.util.concurrent.atomic.LongAdder;

/** Per-LUN statistics, updated from every event loop without contention. */
public final class LunCounters {

    private final LongAdder commands = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder errors = new LongAdder();

    public void commandExecuted() {
        commands.increment();
    }

    public void bytesRead(long count) {
        bytesRead.add(count);
    }

    public void bytesWritten(long count) {
        bytesWritten.add(count);
    }

    /** A command that failed: CHECK CONDITION other than a unit attention (conflicts and UAs are normal traffic). */
    public void commandFailed() {
        errors.increment();
    }

    public Snapshot snapshot() {
        return new Snapshot(commands.sum(), bytesRead.sum(), bytesWritten.sum(), errors.sum());
    }

    /** A point-in-time copy for the engine API; {@code errors} counts failed commands. */
    public record Snapshot(long commands, long bytesRead, long bytesWritten, long errors) {
    }
}
