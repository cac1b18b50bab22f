package io.mooring.engine.scsi;

import io.mooring.engine.scsi.pr.Access;
import io.mooring.engine.scsi.spc.ReservationCommands;
import io.mooring.engine.scsi.sbc.BlockCommands;
import io.mooring.engine.scsi.sbc.ProvisioningCommands;
import io.mooring.engine.scsi.spc.ExtendedCopy;
import io.mooring.engine.scsi.spc.Inquiry;
import io.mooring.engine.scsi.spc.ModeCommands;
import io.mooring.engine.scsi.spc.PrimaryCommands;
import io.mooring.engine.scsi.spc.SupportedOperationCodes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/** The op table: every supported opcode (and service action) with its handler and dispatch properties. */
public final class CommandTable {

    private static final ScsiOp[][] BY_OPCODE = new ScsiOp[256][];
    private static final List<ScsiOp> ALL = new ArrayList<>();

    static {
        // SPC-4
        op(0x00, "TEST UNIT READY", Access.STATUS, "00 00 00 00 00 07", PrimaryCommands::testUnitReady);
        keepsUa(0x03, "REQUEST SENSE", "03 01 00 00 ff 07", PrimaryCommands::requestSense);
        keepsUa(0xa0, "REPORT LUNS", "a0 00 ff 00 00 00 ff ff ff ff 00 07",
                (lu, c) -> PrimaryCommands.reportLuns(lu.inventory().mappedLuns(), c));
        keepsUa(0x12, "INQUIRY", "12 03 ff ff ff 07", Inquiry::inquiry);
        op(0x1a, "MODE SENSE(6)", Access.READ, "1a 08 ff ff ff 07", ModeCommands::modeSense6);
        op(0x5a, "MODE SENSE(10)", Access.READ, "5a 18 ff ff 00 00 00 ff ff 07", ModeCommands::modeSense10);
        op(0x15, "MODE SELECT(6)", Access.WRITE, "15 11 00 00 ff 07", ModeCommands::modeSelect6);
        op(0x55, "MODE SELECT(10)", Access.WRITE, "55 11 00 00 00 00 00 ff ff 07", ModeCommands::modeSelect10);
        op(0x1b, "START STOP UNIT", Access.WRITE, "1b 01 00 0f f7 07", PrimaryCommands::startStopUnit);
        op(0x1e, "PREVENT ALLOW MEDIUM REMOVAL", Access.STATUS, "1e 00 00 00 03 07",
                PrimaryCommands::preventAllowMediumRemoval);
        // SBC-3
        op(0x25, "READ CAPACITY(10)", Access.STATUS, "25 00 ff ff ff ff 00 00 01 07", BlockCommands::readCapacity10);
        serviceAction(0x9e, 0x10, "READ CAPACITY(16)", Access.STATUS, false,
                "9e 10 ff ff ff ff ff ff ff ff ff ff ff ff 00 07", BlockCommands::readCapacity16);
        op(0x08, "READ(6)", Access.READ, "08 1f ff ff ff 07", BlockCommands::read6);
        op(0x28, "READ(10)", Access.READ, "28 fe ff ff ff ff 1f ff ff 07", BlockCommands::read10);
        op(0xa8, "READ(12)", Access.READ, "a8 fe ff ff ff ff ff ff ff ff 1f 07", BlockCommands::read12);
        op(0x88, "READ(16)", Access.READ, "88 fe ff ff ff ff ff ff ff ff ff ff ff ff 1f 07", BlockCommands::read16);
        write(0x0a, "WRITE(6)", "0a 1f ff ff ff 07", BlockCommands::write6);
        write(0x2a, "WRITE(10)", "2a fa ff ff ff ff 1f ff ff 07", BlockCommands::write10);
        write(0xaa, "WRITE(12)", "aa fa ff ff ff ff ff ff ff ff 1f 07", BlockCommands::write12);
        write(0x8a, "WRITE(16)", "8a fa ff ff ff ff ff ff ff ff ff ff ff ff 1f 07", BlockCommands::write16);
        write(0x2e, "WRITE AND VERIFY(10)", "2e f2 ff ff ff ff 1f ff ff 07", BlockCommands::writeAndVerify10);
        write(0xae, "WRITE AND VERIFY(12)", "ae f2 ff ff ff ff ff ff ff ff 1f 07", BlockCommands::writeAndVerify12);
        write(0x8e, "WRITE AND VERIFY(16)", "8e f2 ff ff ff ff ff ff ff ff ff ff ff ff 1f 07",
                BlockCommands::writeAndVerify16);
        write(0x8b, "ORWRITE(16)", "8b fa ff ff ff ff ff ff ff ff ff ff ff ff 1f 07", BlockCommands::orWrite16);
        op(0x2f, "VERIFY(10)", Access.READ, "2f f6 ff ff ff ff 1f ff ff 07", BlockCommands::verify10);
        op(0xaf, "VERIFY(12)", Access.READ, "af f6 ff ff ff ff ff ff ff ff 1f 07", BlockCommands::verify12);
        op(0x8f, "VERIFY(16)", Access.READ, "8f f6 ff ff ff ff ff ff ff ff ff ff ff ff 1f 07", BlockCommands::verify16);
        op(0x35, "SYNCHRONIZE CACHE(10)", Access.WRITE, "35 02 ff ff ff ff 1f ff ff 07",
                BlockCommands::synchronizeCache10);
        op(0x91, "SYNCHRONIZE CACHE(16)", Access.WRITE, "91 02 ff ff ff ff ff ff ff ff ff ff ff ff 1f 07",
                BlockCommands::synchronizeCache16);
        op(0x37, "READ DEFECT DATA(10)", Access.READ, "37 00 1f 00 00 00 00 ff ff 07", BlockCommands::readDefectData10);
        op(0xb7, "READ DEFECT DATA(12)", Access.READ, "b7 1f 00 00 00 00 ff ff ff ff 00 07",
                BlockCommands::readDefectData12);
        op(0x34, "PRE-FETCH(10)", Access.READ, "34 02 ff ff ff ff 1f ff ff 07", BlockCommands::prefetch10);
        op(0x90, "PRE-FETCH(16)", Access.READ, "90 02 ff ff ff ff ff ff ff ff ff ff ff ff 1f 07",
                BlockCommands::prefetch16);
        write(0x41, "WRITE SAME(10)", "41 e8 ff ff ff ff 1f ff ff 07", ProvisioningCommands::writeSame10);
        write(0x93, "WRITE SAME(16)", "93 e9 ff ff ff ff ff ff ff ff ff ff ff ff 1f 07",
                ProvisioningCommands::writeSame16);
        write(0x42, "UNMAP", "42 00 00 00 00 00 1f ff ff 07", ProvisioningCommands::unmap);
        serviceAction(0x9e, 0x12, "GET LBA STATUS", Access.READ, false,
                "9e 12 ff ff ff ff ff ff ff ff ff ff ff ff 00 07", ProvisioningCommands::getLbaStatus);
        write(0x89, "COMPARE AND WRITE", "89 f8 ff ff ff ff ff ff ff ff 00 00 00 ff 1f 07",
                ProvisioningCommands::compareAndWrite);
        // reservations
        op(0x16, "RESERVE(6)", Access.LEGACY, "16 00 00 00 00 07", ReservationCommands::reserve);
        op(0x56, "RESERVE(10)", Access.LEGACY, "56 00 00 00 00 00 00 00 00 07", ReservationCommands::reserve);
        op(0x17, "RELEASE(6)", Access.LEGACY, "17 00 00 00 00 07", ReservationCommands::release);
        op(0x57, "RELEASE(10)", Access.LEGACY, "57 00 00 00 00 00 00 00 00 07", ReservationCommands::release);
        for (int sa = 0x00; sa <= 0x03; sa++) {
            serviceAction(0x5e, sa, "PERSISTENT RESERVE IN", Access.PERSISTENT, false,
                    String.format("5e %02x 00 00 00 00 00 ff ff 07", sa), ReservationCommands::persistentReserveIn);
        }
        for (int sa = 0x00; sa <= 0x06; sa++) {
            serviceAction(0x5f, sa, "PERSISTENT RESERVE OUT", Access.PERSISTENT, false,
                    String.format("5f %02x ff 00 00 ff ff ff ff 07", sa), ReservationCommands::persistentReserveOut);
        }
        serviceAction(0x83, 0x00, "EXTENDED COPY(LID1)", Access.WRITE, true,
                "83 00 00 00 00 00 00 00 00 00 ff ff ff ff 00 07", ExtendedCopy::extendedCopy);
        serviceAction(0x84, 0x00, "RECEIVE COPY RESULTS(COPY STATUS)", Access.STATUS, false,
                "84 00 ff 00 00 00 00 00 00 00 ff ff ff ff 00 07", ExtendedCopy::receiveCopyResults);
        serviceAction(0x84, 0x03, "RECEIVE COPY RESULTS(OPERATING PARAMETERS)", Access.STATUS, false,
                "84 03 00 00 00 00 00 00 00 00 ff ff ff ff 00 07", ExtendedCopy::receiveCopyResults);
        serviceAction(0xa3, 0x0c, "REPORT SUPPORTED OPERATION CODES", Access.ANY, false,
                "a3 0c 87 ff ff ff ff ff ff ff 00 07", new SupportedOperationCodes(all())::report);
    }

    private CommandTable() {
    }

    /** The op for this CDB, or {@code null} when the opcode or its service action is not supported. */
    public static ScsiOp lookup(byte[] cdb) {
        ScsiOp[] variants = BY_OPCODE[cdb[0] & 0xff];
        if (variants == null) {
            return null;
        }
        if (!variants[0].hasServiceAction()) {
            return variants[0];
        }
        int serviceAction = cdb[1] & 0x1f;
        for (ScsiOp variant : variants) {
            if (variant.serviceAction() == serviceAction) {
                return variant;
            }
        }
        return null;
    }

    /** Whether the opcode itself is supported (an unsupported service action is then an invalid CDB field). */
    public static boolean supportsOpcode(int opcode) {
        return BY_OPCODE[opcode] != null;
    }

    /** Every supported op, in registration order (REPORT SUPPORTED OPERATION CODES). */
    public static List<ScsiOp> all() {
        return Collections.unmodifiableList(ALL);
    }

    private static void op(int opcode, String name, Access access, String usage, CommandHandler handler) {
        register(new ScsiOp(opcode, ScsiOp.NO_SERVICE_ACTION, name, access, false, false, usage(usage), handler));
    }

    private static void write(int opcode, String name, String usage, CommandHandler handler) {
        register(new ScsiOp(opcode, ScsiOp.NO_SERVICE_ACTION, name, Access.WRITE, true, false, usage(usage), handler));
    }

    private static void keepsUa(int opcode, String name, String usage, CommandHandler handler) {
        register(new ScsiOp(opcode, ScsiOp.NO_SERVICE_ACTION, name, Access.ANY, false, true, usage(usage), handler));
    }

    private static void serviceAction(int opcode, int serviceAction, String name, Access access, boolean writesMedium,
                                      String usage, CommandHandler handler) {
        register(new ScsiOp(opcode, serviceAction, name, access, writesMedium, false, usage(usage), handler));
    }

    private static void register(ScsiOp op) {
        ScsiOp[] existing = BY_OPCODE[op.opcode()];
        ScsiOp[] variants = existing == null ? new ScsiOp[1] : Arrays.copyOf(existing, existing.length + 1);
        variants[variants.length - 1] = op;
        BY_OPCODE[op.opcode()] = variants;
        ALL.add(op);
    }

    private static byte[] usage(String hex) {
        return HexFormat.ofDelimiter(" ").parseHex(hex);
    }
}
