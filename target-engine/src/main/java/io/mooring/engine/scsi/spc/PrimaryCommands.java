package io.mooring.engine.scsi.spc;

import static io.mooring.engine.scsi.Cdb.put16;
import static io.mooring.engine.scsi.Cdb.put32;
import static io.mooring.engine.scsi.Cdb.u32;
import static io.mooring.engine.scsi.Cdb.u8;

import io.mooring.engine.scsi.Responses;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.lun.LogicalUnit;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;

/** SPC-4 commands every logical unit answers: TEST UNIT READY, REQUEST SENSE, START STOP UNIT, PREVENT ALLOW. */
public final class PrimaryCommands {

    private PrimaryCommands() {
    }

    /** Always ready: the medium is neither removable nor spun down. */
    public static ScsiResponse testUnitReady(LogicalUnit lu, ScsiCommand command) {
        return ScsiResponse.good();
    }

    /** Returns (and clears) the oldest pending unit attention, else NO SENSE; autosense carries everything else. */
    public static ScsiResponse requestSense(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        if ((cdb[1] & 0x01) != 0) {
            throw new SenseException(Sense.invalidFieldInCdb(1, 0));
        }
        Sense pending = lu == null ? Sense.LUN_NOT_SUPPORTED : lu.unitAttentions().poll(command.nexus(), command.receivedNanos());
        Sense reported = pending == null ? Sense.NONE : pending;
        return Responses.parameterData(reported.toFixedFormat(), u8(cdb, 4));
    }

    /** Nothing to spin up or eject on a virtual disk; power conditions are accepted and have no effect. */
    public static ScsiResponse startStopUnit(LogicalUnit lu, ScsiCommand command) {
        return ScsiResponse.good();
    }

    /** The medium is not removable (RMB=0), so there is nothing to lock. */
    public static ScsiResponse preventAllowMediumRemoval(LogicalUnit lu, ScsiCommand command) {
        return ScsiResponse.good();
    }

    /** REPORT LUNS over the LUNs mapped when it runs; works on any LUN, mapped or not. */
    public static ScsiResponse reportLuns(long[] luns, ScsiCommand command) {
        byte[] cdb = command.cdb();
        int selectReport = u8(cdb, 2);
        if (selectReport > 0x02) {
            throw new SenseException(Sense.invalidFieldInCdb(2, Sense.WHOLE_BYTE));
        }
        long allocationLength = u32(cdb, 6);
        byte[] data = new byte[8 + luns.length * 8];
        put32(data, 0, luns.length * 8L);
        for (int i = 0; i < luns.length; i++) {
            long lun = luns[i];
            int at = 8 + i * 8;
            if (lun < 256) {
                data[at + 1] = (byte) lun;
            } else {
                put16(data, at, 0x4000 | (int) (lun & 0x3fff));
            }
        }
        return Responses.parameterData(data, allocationLength);
    }
}
