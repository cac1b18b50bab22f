package io.mooring.engine.iscsi.pdu;

/** The O and U flags of a SCSI Response or final Data-In (byte 1). */
public final class Residual {
    public static final int OVERFLOW = 0x04;
    public static final int UNDERFLOW = 0x02;

    private Residual() {
    }
}
