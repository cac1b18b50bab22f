package io.mooring.engine.scsi;

import io.mooring.engine.scsi.lun.LogicalUnit;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import java.io.IOException;

/**
 * Runs one command on a mapped logical unit, in the order SAM-5 and SPC-4 prescribe: unit attention, then
 * reservation conflict, then write protection, then the command itself. Never throws: every failure becomes a status.
 * Completes on the caller's thread, except commands that must wait for a flush.
 */
final class CommandDispatcher {

    private static final System.Logger LOG = System.getLogger(CommandDispatcher.class.getName());

    private CommandDispatcher() {
    }

    static void execute(LogicalUnit lu, ScsiCommand command, ScsiCompletion done) {
        lu.counters().commandExecuted();
        done.admitted(lu.counters());
        ScsiResponse response = run(lu, command);
        if (response == Responses.GOOD_WHEN_DURABLE) {
            lu.flushThen(flushed -> finish(lu, flushed, done));
        } else {
            finish(lu, response, done);
        }
    }

    private static void finish(LogicalUnit lu, ScsiResponse response, ScsiCompletion done) {
        if (response.status() == ScsiResponse.CHECK_CONDITION) {
            int senseKey = response.sense()[2] & 0x0f;
            if (senseKey != Sense.UNIT_ATTENTION) {
                lu.counters().commandFailed(senseKey);
            }
        }
        done.complete(response);
    }

    private static ScsiResponse run(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        ScsiOp op = CommandTable.lookup(cdb);
        if (op == null || !op.keepsUnitAttention()) {
            Sense attention = lu.unitAttentions().poll(command.nexus(), command.receivedNanos());
            if (attention != null) {
                return Responses.checkCondition(attention);
            }
        }
        if (op == null) {
            // a supported opcode with an unsupported service action: the SERVICE ACTION field (byte 1, bits 4-0)
            return Responses.checkCondition(CommandTable.supportsOpcode(command.opcode())
                    ? Sense.invalidFieldInCdb(1, 4) : Sense.INVALID_OPCODE);
        }
        if (lu.reservations().conflicts(command.nexus(), op.access())) {
            return Responses.reservationConflict();
        }
        if (op.writesMedium() && lu.writeProtected(command)) {
            return Responses.checkCondition(Sense.WRITE_PROTECTED);
        }
        try {
            return op.handler().execute(lu, command);
        } catch (SenseException e) {
            return Responses.checkCondition(e.sense());
        } catch (IOException e) {
            return Responses.checkCondition(mediumError(op, e));
        } catch (OutOfMemoryError e) {
            // direct memory for buffers ran out: the initiator backs off and retries, nothing else is hurt
            LOG.log(System.Logger.Level.WARNING, "LUN " + lu.lun() + ": " + op.name() + ": " + e.getMessage());
            return Responses.taskSetFull();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "LUN " + lu.lun() + ": " + op.name() + " failed", e);
            return Responses.checkCondition(Sense.INTERNAL_TARGET_FAILURE);
        }
    }

    /**
     * A sparse file's filesystem ran full: thin provisioning's own answer (SBC-3 4.7.3.6), which initiators map to
     * "no space" rather than to a failing disk. Any other I/O error is a medium error.
     */
    private static Sense mediumError(ScsiOp op, IOException e) {
        if (!op.writesMedium()) {
            return Sense.UNRECOVERED_READ_ERROR;
        }
        String message = e.getMessage();
        return message != null && message.contains("No space left on device")
                ? Sense.SPACE_ALLOCATION_FAILED_WRITE_PROTECT : Sense.WRITE_ERROR;
    }
}
