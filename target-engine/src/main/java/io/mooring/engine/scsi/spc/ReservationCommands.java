package io.mooring.engine.scsi.spc;

import static io.mooring.engine.scsi.Cdb.put16;
import static io.mooring.engine.scsi.Cdb.put32;
import static io.mooring.engine.scsi.Cdb.put64;
import static io.mooring.engine.scsi.Cdb.u16;
import static io.mooring.engine.scsi.Cdb.u32;
import static io.mooring.engine.scsi.Cdb.u64;

import io.mooring.engine.scsi.ItNexus;
import io.mooring.engine.scsi.Responses;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.lun.LogicalUnit;
import io.mooring.engine.scsi.pr.ReservationState;
import io.mooring.engine.scsi.pr.ReservationType;
import io.mooring.engine.scsi.pr.Reservations;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** RESERVE/RELEASE (6/10) and PERSISTENT RESERVE IN/OUT: CDB and parameter-list handling over {@link Reservations}. */
public final class ReservationCommands {

    private static final int PRIN_READ_KEYS = 0x00;
    private static final int PRIN_READ_RESERVATION = 0x01;
    private static final int PRIN_REPORT_CAPABILITIES = 0x02;
    private static final int PRIN_READ_FULL_STATUS = 0x03;

    private static final int PROUT_REGISTER = 0x00;
    private static final int PROUT_RESERVE = 0x01;
    private static final int PROUT_RELEASE = 0x02;
    private static final int PROUT_CLEAR = 0x03;
    private static final int PROUT_PREEMPT = 0x04;
    private static final int PROUT_PREEMPT_AND_ABORT = 0x05;
    private static final int PROUT_REGISTER_AND_IGNORE = 0x06;
    private static final int PROUT_PARAMETER_LIST_LENGTH = 24;

    private static final int SPEC_I_PT = 0x08;
    private static final int ALL_TG_PT = 0x04;
    private static final int APTPL = 0x01;
    /** SERVICE ACTION: byte 1, bits 4-0. */
    private static final Sense SERVICE_ACTION_INVALID = Sense.invalidFieldInCdb(1, 4);
    private static final int SCOPE_LU = 0x0;
    private static final int TRANSPORT_ID_ISCSI_PORT = 0x45;

    private ReservationCommands() {
    }

    // ---- SPC-2 ----

    /** RESERVE(6)/(10) of the whole LU; third-party and extent reservations are not supported. */
    public static ScsiResponse reserve(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        checkWholeUnit(cdb);
        return lu.reservations().reserve(command.nexus()) ? ScsiResponse.good() : Responses.reservationConflict();
    }

    public static ScsiResponse release(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        checkWholeUnit(cdb);
        lu.reservations().release(command.nexus());
        return ScsiResponse.good();
    }

    // ---- PERSISTENT RESERVE IN ----

    public static ScsiResponse persistentReserveIn(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        int allocationLength = u16(cdb, 7);
        ReservationState state = lu.reservations().state();
        byte[] data = switch (cdb[1] & 0x1f) {
            case PRIN_READ_KEYS -> readKeys(state);
            case PRIN_READ_RESERVATION -> readReservation(state);
            case PRIN_REPORT_CAPABILITIES -> reportCapabilities(lu.reservations().canPersist(), state.persistent());
            case PRIN_READ_FULL_STATUS -> readFullStatus(state);
            default -> throw new SenseException(SERVICE_ACTION_INVALID);
        };
        return Responses.parameterData(data, allocationLength);
    }

    private static byte[] readKeys(ReservationState state) {
        byte[] data = new byte[8 + state.registrations().size() * 8];
        put32(data, 0, state.generation());
        put32(data, 4, state.registrations().size() * 8L);
        int at = 8;
        for (long key : state.registrations().values()) {
            put64(data, at, key);
            at += 8;
        }
        return data;
    }

    private static byte[] readReservation(ReservationState state) {
        byte[] data = new byte[state.reserved() ? 24 : 8];
        put32(data, 0, state.generation());
        if (state.reserved()) {
            put32(data, 4, 16);
            put64(data, 8, state.reservationKey());
            data[21] = (byte) (SCOPE_LU << 4 | state.type().code());
        }
        return data;
    }

    /** CRH=0, SIP_C=0, ATP_C=0, PTPL_C when a store is configured, PTPL_A; TMV with every type supported. */
    private static byte[] reportCapabilities(boolean canPersist, boolean persistent) {
        byte[] data = new byte[8];
        put16(data, 0, data.length);
        data[2] = (byte) (canPersist ? 0x01 : 0x00);
        data[3] = (byte) (0x80 | (persistent ? 0x01 : 0x00));
        data[4] = (byte) 0xea;             // WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX
        data[5] = 0x01;                    // EX_AC_AR
        return data;
    }

    private static byte[] readFullStatus(ReservationState state) {
        ByteArrayOutputStream descriptors = new ByteArrayOutputStream();
        for (Map.Entry<ItNexus, Long> registration : state.registrations().entrySet()) {
            ItNexus nexus = registration.getKey();
            byte[] transportId = transportId(nexus);
            byte[] d = new byte[24 + transportId.length];
            put64(d, 0, registration.getValue());
            boolean holder = state.holds(nexus);
            d[12] = (byte) (holder ? 0x01 : 0x00);
            if (holder) {
                d[13] = (byte) (SCOPE_LU << 4 | state.type().code());
            }
            put16(d, 18, nexus.portalGroupTag());
            put32(d, 20, transportId.length);
            System.arraycopy(transportId, 0, d, 24, transportId.length);
            descriptors.writeBytes(d);
        }
        byte[] body = descriptors.toByteArray();
        byte[] data = new byte[8 + body.length];
        put32(data, 0, state.generation());
        put32(data, 4, body.length);
        System.arraycopy(body, 0, data, 8, body.length);
        return data;
    }

    /** iSCSI TransportID, initiator port format: "name,i,0xISID", NUL-terminated, padded to 4 bytes. */
    private static byte[] transportId(ItNexus nexus) {
        byte[] name = nexus.initiatorPortName().getBytes(StandardCharsets.UTF_8);
        int padded = (name.length + 1 + 3) & ~3;
        byte[] id = new byte[4 + padded];
        id[0] = (byte) TRANSPORT_ID_ISCSI_PORT;
        put16(id, 2, padded);
        System.arraycopy(name, 0, id, 4, name.length);
        return id;
    }

    // ---- PERSISTENT RESERVE OUT ----

    public static ScsiResponse persistentReserveOut(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        int serviceAction = cdb[1] & 0x1f;
        int scope = (cdb[2] & 0xf0) >>> 4;
        int typeCode = cdb[2] & 0x0f;
        long listLength = u32(cdb, 5);
        if (serviceAction > PROUT_REGISTER_AND_IGNORE) {
            throw new SenseException(SERVICE_ACTION_INVALID);
        }
        if (listLength != PROUT_PARAMETER_LIST_LENGTH) {
            throw new SenseException(Sense.PARAMETER_LIST_LENGTH_ERROR);
        }
        ByteBuf dataOut = command.dataOut();
        if (dataOut == null || dataOut.readableBytes() < PROUT_PARAMETER_LIST_LENGTH) {
            throw new SenseException(Sense.PARAMETER_LIST_LENGTH_ERROR);
        }
        byte[] list = new byte[PROUT_PARAMETER_LIST_LENGTH];
        dataOut.getBytes(dataOut.readerIndex(), list);
        long key = u64(list, 0);
        long serviceActionKey = u64(list, 8);
        int flags = list[20];
        Reservations reservations = lu.reservations();
        boolean persistent = (flags & APTPL) != 0;
        int unsupported = flags & (SPEC_I_PT | ALL_TG_PT) | (persistent && !reservations.canPersist() ? APTPL : 0);
        if (unsupported != 0) {
            throw new SenseException(Sense.invalidFieldInParameterList(20,
                    Sense.leftmostBit(unsupported)));
        }
        ItNexus nexus = command.nexus();
        boolean done = switch (serviceAction) {
            case PROUT_REGISTER -> reservations.register(nexus, key, serviceActionKey, false, persistent);
            case PROUT_REGISTER_AND_IGNORE -> reservations.register(nexus, key, serviceActionKey, true, persistent);
            case PROUT_RESERVE -> reservations.reservePersistent(nexus, key, type(scope, typeCode));
            case PROUT_RELEASE -> reservations.releasePersistent(nexus, key, type(scope, typeCode));
            case PROUT_CLEAR -> reservations.clear(nexus, key);
            case PROUT_PREEMPT, PROUT_PREEMPT_AND_ABORT ->
                    reservations.preempt(nexus, key, serviceActionKey, type(scope, typeCode));
            default -> throw new SenseException(SERVICE_ACTION_INVALID);
        };
        return done ? ScsiResponse.good() : Responses.reservationConflict();
    }

    private static ReservationType type(int scope, int typeCode) {
        if (scope != SCOPE_LU) {
            throw new SenseException(Sense.invalidFieldInCdb(2, 7));
        }
        ReservationType type = ReservationType.ofCode(typeCode);
        if (type == null) {
            throw new SenseException(Sense.invalidFieldInCdb(2, 3));
        }
        return type;
    }

    /** RESERVE/RELEASE: third-party (bit 4), LONGID (bit 1) and extent (bit 0) reservations are not supported. */
    private static void checkWholeUnit(byte[] cdb) {
        int unsupported = cdb[1] & 0x13;
        if (unsupported != 0) {
            throw new SenseException(Sense.invalidFieldInCdb(1,
                    Sense.leftmostBit(unsupported)));
        }
    }
}
