package io.mooring.engine.scsi;

import io.mooring.engine.scsi.pr.Access;

/**
 * One supported command: what runs it and the properties the dispatcher checks before it runs.
 *
 * @param opcode          operation code
 * @param serviceAction   service action, or {@link #NO_SERVICE_ACTION}
 * @param name            SPC/SBC name, for logs
 * @param access          how it conflicts with reservations
 * @param writesMedium    refused with WRITE PROTECTED on a read-only LU or session
 * @param keepsUnitAttention INQUIRY, REPORT LUNS and REQUEST SENSE neither report nor clear unit attentions
 * @param cdbUsage        CDB USAGE DATA for REPORT SUPPORTED OPERATION CODES: byte 0 is the opcode, then the bits used
 * @param handler         runs it
 */
public record ScsiOp(int opcode, int serviceAction, String name, Access access, boolean writesMedium,
                     boolean keepsUnitAttention, byte[] cdbUsage, CommandHandler handler) {

    public static final int NO_SERVICE_ACTION = -1;

    public boolean hasServiceAction() {
        return serviceAction != NO_SERVICE_ACTION;
    }
}
