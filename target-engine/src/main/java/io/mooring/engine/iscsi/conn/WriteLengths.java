package io.mooring.engine.iscsi.conn;

/**
 * How many Data-Out bytes a write CDB asks for, so that the transport can report write residuals against the
 * iSCSI expected length (the SCSI layer writes what arrived, up to the CDB's length, and reports GOOD).
 * Only the plain block write family is known here; anything else has no CDB length (-1).
 */
final class WriteLengths {

    private WriteLengths() {
    }

    static int bytes(byte[] cdb, int blockSize) {
        if (blockSize <= 0) {
            return -1;
        }
        long blocks;
        switch (cdb[0] & 0xff) {
            case 0x0a: // WRITE(6): 0 means 256 blocks
                blocks = cdb[4] & 0xff;
                if (blocks == 0) {
                    blocks = 256;
                }
                break;
            case 0x2a: // WRITE(10)
            case 0x2e: // WRITE AND VERIFY(10)
                blocks = (cdb[7] & 0xff) << 8 | cdb[8] & 0xff;
                break;
            case 0xaa: // WRITE(12)
            case 0xae: // WRITE AND VERIFY(12)
                blocks = u32(cdb, 6);
                break;
            case 0x8a: // WRITE(16)
            case 0x8e: // WRITE AND VERIFY(16)
                blocks = u32(cdb, 10);
                break;
            default:
                return -1;
        }
        long bytes = blocks * blockSize;
        return bytes > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) bytes;
    }

    private static long u32(byte[] b, int at) {
        return ((b[at] & 0xffL) << 24) | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | b[at + 3] & 0xff;
    }
}
