package io.mooring.engine.scsi;

import io.mooring.engine.scsi.lun.LunCounters;

/**
 * How the SCSI layer finishes a command. Called exactly once per command, from any thread: the transport moves
 * the response onto the connection's event loop itself.
 */
@FunctionalInterface
public interface ScsiCompletion {
    void complete(ScsiResponse response);

    /**
     * Before running the command, the SCSI layer names the counters of the LU that took it: a transport that
     * reports the command's end there ({@link LunCounters#completed}, {@link LunCounters#abandoned}) gives the LU its
     * latency and queue depth as the initiator sees them.
     */
    default void admitted(LunCounters counters) {
    }
}
