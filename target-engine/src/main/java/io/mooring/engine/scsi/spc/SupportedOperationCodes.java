package io.mooring.engine.scsi.spc;

import static io.mooring.engine.scsi.Cdb.put16;
import static io.mooring.engine.scsi.Cdb.put32;
import static io.mooring.engine.scsi.Cdb.u16;
import static io.mooring.engine.scsi.Cdb.u32;
import static io.mooring.engine.scsi.Cdb.u8;

import io.mooring.engine.scsi.Responses;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiOp;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.lun.LogicalUnit;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * REPORT SUPPORTED OPERATION CODES (MAINTENANCE IN, service action 0Ch), answered from the ops the op table hands
 * over (the table registers this handler, so it gives a view of its ops rather than being looked up from here).
 */
public final class SupportedOperationCodes {

    private static final int ALL_COMMANDS = 0;
    private static final int ONE_OPCODE = 1;
    private static final int ONE_SERVICE_ACTION = 2;
    private static final int ONE_EITHER = 3;
    private static final int SUPPORTED = 0x03;
    private static final int NOT_SUPPORTED = 0x01;
    private static final int TIMEOUTS_LENGTH = 12;
    /**
     * REPORTING OPTIONS (byte 2, bits 2-0) that do not fit the requested command. The pointer matters: libiscsi
     * reads an INVALID FIELD IN CDB of MAINTENANCE IN without one (or pointing at the service action) as "command
     * not supported".
     */
    private static final Sense REPORTING_OPTIONS_INVALID = Sense.invalidFieldInCdb(2, 2);

    private final List<ScsiOp> ops;

    /** @param ops every supported op, in the order to report them; a live view, read only when a command runs */
    public SupportedOperationCodes(List<ScsiOp> ops) {
        this.ops = ops;
    }

    public ScsiResponse report(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        boolean timeouts = (cdb[2] & 0x80) != 0;
        int options = cdb[2] & 0x07;
        int opcode = u8(cdb, 3);
        int serviceAction = u16(cdb, 4);
        long allocationLength = u32(cdb, 6);
        byte[] data = switch (options) {
            case ALL_COMMANDS -> allCommands(timeouts);
            case ONE_OPCODE -> {
                if (hasServiceActions(opcode)) {
                    throw new SenseException(REPORTING_OPTIONS_INVALID);
                }
                yield oneCommand(find(opcode, ScsiOp.NO_SERVICE_ACTION), timeouts);
            }
            case ONE_SERVICE_ACTION -> {
                if (supportsOpcode(opcode) && !hasServiceActions(opcode)) {
                    throw new SenseException(REPORTING_OPTIONS_INVALID);
                }
                yield oneCommand(find(opcode, serviceAction), timeouts);
            }
            case ONE_EITHER -> oneCommand(find(opcode, hasServiceActions(opcode)
                    ? serviceAction : ScsiOp.NO_SERVICE_ACTION), timeouts);
            default -> throw new SenseException(REPORTING_OPTIONS_INVALID);
        };
        return Responses.parameterData(data, allocationLength);
    }

    private byte[] allCommands(boolean timeouts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ScsiOp op : ops) {
            byte[] d = new byte[8 + (timeouts ? TIMEOUTS_LENGTH : 0)];
            d[0] = (byte) op.opcode();
            if (op.hasServiceAction()) {
                put16(d, 2, op.serviceAction());
            }
            d[5] = (byte) ((timeouts ? 0x02 : 0) | (op.hasServiceAction() ? 0x01 : 0));
            put16(d, 6, op.cdbUsage().length);
            if (timeouts) {
                putTimeouts(d, 8);
            }
            out.writeBytes(d);
        }
        byte[] descriptors = out.toByteArray();
        byte[] data = new byte[4 + descriptors.length];
        put32(data, 0, descriptors.length);
        System.arraycopy(descriptors, 0, data, 4, descriptors.length);
        return data;
    }

    /** The one-command format; an unsupported command is reported as such, with no CDB usage data. */
    private static byte[] oneCommand(ScsiOp op, boolean timeouts) {
        if (op == null) {
            byte[] d = new byte[4];
            d[1] = NOT_SUPPORTED;
            return d;
        }
        byte[] usage = op.cdbUsage();
        byte[] d = new byte[4 + usage.length + (timeouts ? TIMEOUTS_LENGTH : 0)];
        d[1] = (byte) ((timeouts ? 0x80 : 0) | SUPPORTED);
        put16(d, 2, usage.length);
        System.arraycopy(usage, 0, d, 4, usage.length);
        if (timeouts) {
            putTimeouts(d, 4 + usage.length);
        }
        return d;
    }

    /** Command timeouts descriptor: no nominal or recommended timeout is claimed. */
    private static void putTimeouts(byte[] d, int at) {
        put16(d, at, TIMEOUTS_LENGTH - 2);
    }

    private ScsiOp find(int opcode, int serviceAction) {
        for (ScsiOp op : ops) {
            if (op.opcode() == opcode && op.serviceAction() == serviceAction) {
                return op;
            }
        }
        return null;
    }

    private boolean supportsOpcode(int opcode) {
        return ops.stream().anyMatch(op -> op.opcode() == opcode);
    }

    private boolean hasServiceActions(int opcode) {
        return ops.stream().anyMatch(op -> op.opcode() == opcode && op.hasServiceAction());
    }
}
