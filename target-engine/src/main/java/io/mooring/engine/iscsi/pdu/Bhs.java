package io.mooring.engine.iscsi.pdu;

/** Big-endian field access on a raw BHS, and the LUN field encoding (SAM-5 4.7). */
public final class Bhs {

    private Bhs() {
    }

    public static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | b[at + 3] & 0xff;
    }

    public static int getShort(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | b[at + 1] & 0xff;
    }

    public static int getMedium(byte[] b, int at) {
        return (b[at] & 0xff) << 16 | (b[at + 1] & 0xff) << 8 | b[at + 2] & 0xff;
    }

    public static long getLong(byte[] b, int at) {
        return (long) getInt(b, at) << 32 | getInt(b, at + 4) & 0xffffffffL;
    }

    /** 48-bit ISID of a login request. */
    public static long getIsid(byte[] b) {
        return (long) getShort(b, 8) << 32 | getInt(b, 10) & 0xffffffffL;
    }

    /**
     * Decodes the 8-byte LUN field into the LUN number the SCSI layer maps: peripheral (00b) and flat (01b)
     * single-level addressing; any other form is returned as the raw 64-bit value.
     */
    public static long decodeLun(long field) {
        int method = (int) (field >>> 62);
        if ((field & 0x0000ffffffffffffL) != 0) {
            return field;
        }
        int first = (int) (field >>> 48) & 0xffff;
        if (method == 0) {
            return (first >>> 8) == 0 ? first & 0xff : field;
        }
        if (method == 1) {
            return first & 0x3fff;
        }
        return field;
    }

    /** Encodes a LUN number below 16384 as SAM does (peripheral below 256, flat above). */
    public static long encodeLun(long lun) {
        if (lun < 256) {
            return lun << 48;
        }
        if (lun < 16384) {
            return (0x4000L | lun) << 48;
        }
        return lun;
    }
}
