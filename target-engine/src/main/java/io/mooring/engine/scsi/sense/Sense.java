package io.mooring.engine.scsi.sense;

/**
 * One sense condition (SPC-4 4.5): key, additional sense code and qualifier, plus the optional INFORMATION field and
 * the optional sense-key specific field pointer (4.5.2.4.2: which CDB or parameter-list byte and bit was rejected).
 * Encoded as fixed-format sense data, which every initiator understands.
 *
 * @param senseKeySpecific bytes 15-17 of fixed sense, SKSV included; 0 when there is none
 */
public record Sense(int key, int asc, int ascq, long information, boolean informationValid, int senseKeySpecific) {

    public static final int NO_SENSE = 0x0;
    public static final int NOT_READY = 0x2;
    public static final int MEDIUM_ERROR = 0x3;
    public static final int HARDWARE_ERROR = 0x4;
    public static final int ILLEGAL_REQUEST = 0x5;
    public static final int UNIT_ATTENTION = 0x6;
    public static final int DATA_PROTECT = 0x7;
    public static final int ABORTED_COMMAND = 0xb;
    public static final int MISCOMPARE = 0xe;

    private static final int FIXED_FORMAT_LENGTH = 18;
    private static final int SKSV = 0x80_0000;
    private static final int COMMAND_DATA = 0x40_0000;
    private static final int BIT_POINTER_VALID = 0x08_0000;
    /** {@code bit} argument of the field-pointer factories when the whole byte (or several) is the field. */
    public static final int WHOLE_BYTE = -1;

    public static final Sense NONE = of(NO_SENSE, 0x00, 0x00);
    public static final Sense PARAMETER_LIST_LENGTH_ERROR = of(ILLEGAL_REQUEST, 0x1a, 0x00);
    public static final Sense INVALID_OPCODE = of(ILLEGAL_REQUEST, 0x20, 0x00);
    public static final Sense LBA_OUT_OF_RANGE = of(ILLEGAL_REQUEST, 0x21, 0x00);
    /** Only for a CDB that contradicts the transfer the initiator sent, where no single field is at fault. */
    public static final Sense INVALID_FIELD_IN_CDB = of(ILLEGAL_REQUEST, 0x24, 0x00);
    public static final Sense LUN_NOT_SUPPORTED = of(ILLEGAL_REQUEST, 0x25, 0x00);
    public static final Sense INVALID_RELEASE_OF_PERSISTENT_RESERVATION = of(ILLEGAL_REQUEST, 0x26, 0x04);
    public static final Sense SAVING_PARAMETERS_NOT_SUPPORTED = of(ILLEGAL_REQUEST, 0x39, 0x00);
    public static final Sense INSUFFICIENT_REGISTRATION_RESOURCES = of(ILLEGAL_REQUEST, 0x55, 0x04);
    public static final Sense WRITE_PROTECTED = of(DATA_PROTECT, 0x27, 0x00);
    public static final Sense SPACE_ALLOCATION_FAILED_WRITE_PROTECT = of(DATA_PROTECT, 0x27, 0x07);
    public static final Sense WRITE_ERROR = of(MEDIUM_ERROR, 0x0c, 0x00);
    public static final Sense UNRECOVERED_READ_ERROR = of(MEDIUM_ERROR, 0x11, 0x00);
    public static final Sense POWER_ON_RESET = of(UNIT_ATTENTION, 0x29, 0x00);
    public static final Sense BUS_DEVICE_RESET = of(UNIT_ATTENTION, 0x29, 0x03);
    public static final Sense MODE_PARAMETERS_CHANGED = of(UNIT_ATTENTION, 0x2a, 0x01);
    public static final Sense RESERVATIONS_PREEMPTED = of(UNIT_ATTENTION, 0x2a, 0x03);
    public static final Sense RESERVATIONS_RELEASED = of(UNIT_ATTENTION, 0x2a, 0x04);
    public static final Sense REGISTRATIONS_PREEMPTED = of(UNIT_ATTENTION, 0x2a, 0x05);
    public static final Sense CAPACITY_DATA_HAS_CHANGED = of(UNIT_ATTENTION, 0x2a, 0x09);
    public static final Sense COMMANDS_CLEARED_BY_ANOTHER_INITIATOR = of(UNIT_ATTENTION, 0x2f, 0x00);
    public static final Sense REPORTED_LUNS_DATA_HAS_CHANGED = of(UNIT_ATTENTION, 0x3f, 0x0e);
    public static final Sense MISCOMPARE_DURING_VERIFY = of(MISCOMPARE, 0x1d, 0x00);
    public static final Sense INTERNAL_TARGET_FAILURE = of(HARDWARE_ERROR, 0x44, 0x00);

    public static Sense of(int key, int asc, int ascq) {
        return new Sense(key, asc, ascq, 0, false, 0);
    }

    /**
     * INVALID FIELD IN CDB pointing at the rejected field: CDB byte {@code fieldByte} and, unless {@link #WHOLE_BYTE},
     * bit {@code bit} (for a field of several bits, its most significant one).
     */
    public static Sense invalidFieldInCdb(int fieldByte, int bit) {
        return new Sense(ILLEGAL_REQUEST, 0x24, 0x00, 0, false, fieldPointer(true, fieldByte, bit));
    }

    /** INVALID FIELD IN PARAMETER LIST pointing at parameter-list byte {@code fieldByte} and bit {@code bit}. */
    public static Sense invalidFieldInParameterList(int fieldByte, int bit) {
        return new Sense(ILLEGAL_REQUEST, 0x26, 0x00, 0, false, fieldPointer(false, fieldByte, bit));
    }

    /** The bit a field pointer names when {@code bits} (non-zero) of one byte are at fault: the leftmost. */
    public static int leftmostBit(int bits) {
        return 31 - Integer.numberOfLeadingZeros(bits);
    }

    private static int fieldPointer(boolean inCdb, int fieldByte, int bit) {
        if (fieldByte < 0 || fieldByte > 0xffff || bit < WHOLE_BYTE || bit > 7) {
            throw new IllegalArgumentException("field pointer byte " + fieldByte + " bit " + bit);
        }
        return SKSV | (inCdb ? COMMAND_DATA : 0) | (bit == WHOLE_BYTE ? 0 : BIT_POINTER_VALID | bit << 16) | fieldByte;
    }

    /** The same condition with the INFORMATION field set (e.g. the offset of a miscompare). */
    public Sense withInformation(long value) {
        return new Sense(key, asc, ascq, value, true, senseKeySpecific);
    }

    public boolean isUnitAttention() {
        return key == UNIT_ATTENTION;
    }

    /** Fixed-format sense data (response code 70h), 18 bytes. */
    public byte[] toFixedFormat() {
        byte[] b = new byte[FIXED_FORMAT_LENGTH];
        b[0] = (byte) (informationValid ? 0xf0 : 0x70);
        b[2] = (byte) key;
        if (informationValid) {
            b[3] = (byte) (information >>> 24);
            b[4] = (byte) (information >>> 16);
            b[5] = (byte) (information >>> 8);
            b[6] = (byte) information;
        }
        b[7] = (byte) (FIXED_FORMAT_LENGTH - 8);
        b[12] = (byte) asc;
        b[13] = (byte) ascq;
        b[15] = (byte) (senseKeySpecific >>> 16);
        b[16] = (byte) (senseKeySpecific >>> 8);
        b[17] = (byte) senseKeySpecific;
        return b;
    }
}
