package io.mooring.engine.iscsi.conn;

/** Fixed-format sense data for the few commands the transport itself fails (SPC-4 4.4.3). */
final class TransportSense {

    /** HARDWARE ERROR / INTERNAL TARGET FAILURE: the SCSI layer threw. */
    static final byte[] INTERNAL_FAILURE = fixed(0x04, 0x44, 0x00);
    /** ILLEGAL REQUEST / INVALID FIELD IN CDB: a write larger than the transport buffers. */
    static final byte[] INVALID_FIELD = fixed(0x05, 0x24, 0x00);

    private TransportSense() {
    }

    private static byte[] fixed(int key, int asc, int ascq) {
        byte[] sense = new byte[18];
        sense[0] = 0x70;
        sense[2] = (byte) key;
        sense[7] = 10;
        sense[12] = (byte) asc;
        sense[13] = (byte) ascq;
        return sense;
    }
}
