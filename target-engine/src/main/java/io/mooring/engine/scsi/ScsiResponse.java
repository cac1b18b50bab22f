package io.mooring.engine.scsi;

/**
 * The outcome of a SCSI command: its status, the sense data for CHECK CONDITION, and the data to send back.
 * The transport turns it into Data-In PDUs and a SCSI Response (or status in the last Data-In), computes
 * residuals against the expected transfer length, and releases {@code dataIn} once sent.
 *
 * @param status SAM status byte (GOOD 0x00, CHECK CONDITION 0x02, BUSY 0x08, RESERVATION CONFLICT 0x18, TASK SET FULL 0x28)
 * @param sense  fixed-format sense data (SPC-4 4.5.3) without the iSCSI SenseLength prefix, or {@code null}
 * @param dataIn data for the initiator, or {@code null}; may be longer than what the initiator expects (the
 *               transport truncates and reports overflow) or shorter (underflow)
 */
public record ScsiResponse(int status, byte[] sense, DataIn dataIn) {

    public static final int GOOD = 0x00;
    public static final int CHECK_CONDITION = 0x02;
    public static final int BUSY = 0x08;
    public static final int RESERVATION_CONFLICT = 0x18;
    public static final int TASK_SET_FULL = 0x28;

    private static final ScsiResponse GOOD_NO_DATA = new ScsiResponse(GOOD, null, null);

    public static ScsiResponse good() {
        return GOOD_NO_DATA;
    }

    public static ScsiResponse good(DataIn dataIn) {
        return new ScsiResponse(GOOD, null, dataIn);
    }
}
