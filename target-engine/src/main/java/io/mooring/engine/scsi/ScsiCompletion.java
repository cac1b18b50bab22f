package io.mooring.engine.scsi;

/**
 * How the SCSI layer finishes a command. Called exactly once per command, from any thread: the transport moves
 * the response onto the connection's event loop itself.
 */
@FunctionalInterface
public interface ScsiCompletion {
    void complete(ScsiResponse response);
}
