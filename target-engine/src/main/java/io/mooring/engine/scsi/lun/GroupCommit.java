package io.mooring.engine.scsi.lun;

import io.mooring.engine.scsi.Responses;
import io.mooring.engine.scsi.ScsiCompletion;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.sense.SenseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs the fdatasyncs of one logical unit off the event loops and shares each one among every command that asked
 * while the previous one ran (group commit): an event loop never blocks on the disk, and N concurrent FUA writes
 * cost about two fdatasyncs, not N. A request waits for a flush that starts after it was made, so everything it
 * wrote before asking is covered.
 */
final class GroupCommit {

    /** Shared by all LUs; threads exist only while flushes run. */
    private static final ExecutorService FLUSHERS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "scsi-fdatasync");
        thread.setDaemon(true);
        return thread;
    });

    /** fdatasync of the LU; throws SenseException(WRITE ERROR) when it fails. */
    private final Runnable flush;
    private List<ScsiCompletion> waiting = new ArrayList<>();
    private boolean running;

    GroupCommit(Runnable flush) {
        this.flush = flush;
    }

    /** Completes {@code done} with GOOD once a flush that started after this call succeeded, else WRITE ERROR. */
    void flushThen(ScsiCompletion done) {
        synchronized (this) {
            waiting.add(done);
            if (running) {
                return;
            }
            running = true;
        }
        FLUSHERS.execute(this::drain);
    }

    private void drain() {
        while (true) {
            List<ScsiCompletion> batch;
            synchronized (this) {
                if (waiting.isEmpty()) {
                    running = false;
                    return;
                }
                batch = waiting;
                waiting = new ArrayList<>();
            }
            ScsiResponse outcome;
            try {
                flush.run();
                outcome = ScsiResponse.good();
            } catch (SenseException e) {
                outcome = Responses.checkCondition(e.sense());
            }
            for (ScsiCompletion done : batch) {
                done.complete(outcome);
            }
        }
    }
}
