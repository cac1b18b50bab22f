package io.mooring.engine.scsi;

/** Big-endian field access for CDBs and parameter lists, which SCSI always encodes most significant byte first. */
public final class Cdb {

    private Cdb() {
    }

    public static int u8(byte[] b, int offset) {
        return b[offset] & 0xff;
    }

    public static int u16(byte[] b, int offset) {
        return (b[offset] & 0xff) << 8 | (b[offset + 1] & 0xff);
    }

    public static int u24(byte[] b, int offset) {
        return (b[offset] & 0xff) << 16 | u16(b, offset + 1);
    }

    /** Unsigned 32-bit field, widened so that values ≥ 2^31 stay positive. */
    public static long u32(byte[] b, int offset) {
        return (long) (b[offset] & 0xff) << 24 | u24(b, offset + 1);
    }

    /** 64-bit field; LBAs ≥ 2^63 come back negative, which every range check rejects. */
    public static long u64(byte[] b, int offset) {
        return u32(b, offset) << 32 | u32(b, offset + 4);
    }

    public static void put16(byte[] b, int offset, int value) {
        b[offset] = (byte) (value >>> 8);
        b[offset + 1] = (byte) value;
    }

    public static void put32(byte[] b, int offset, long value) {
        b[offset] = (byte) (value >>> 24);
        b[offset + 1] = (byte) (value >>> 16);
        b[offset + 2] = (byte) (value >>> 8);
        b[offset + 3] = (byte) value;
    }

    public static void put64(byte[] b, int offset, long value) {
        put32(b, offset, value >>> 32);
        put32(b, offset + 4, value);
    }
}
