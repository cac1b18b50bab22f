package io.mooring.engine.scsi;

import io.mooring.engine.scsi.lun.LogicalUnit;
import java.io.IOException;

/**
 * Executes one kind of command on a logical unit. Runs on the caller's thread; ends errors by throwing
 * {@link io.mooring.engine.scsi.sense.SenseException}; an {@link IOException} becomes a MEDIUM ERROR.
 */
@FunctionalInterface
public interface CommandHandler {
    ScsiResponse execute(LogicalUnit lu, ScsiCommand command) throws IOException;
}
