package io.mooring.engine.iscsi;

import io.mooring.engine.iscsi.pdu.Crc32c;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/** Builds initiator PDUs byte by byte, the way an initiator puts them on the wire. */
public final class Pdus {

    public static final int T = 0x80;
    public static final int C = 0x40;

    private Pdus() {
    }

    public static byte[] bhs(int opcode, boolean immediate, int flags) {
        byte[] b = new byte[48];
        b[0] = (byte) (opcode | (immediate ? 0x40 : 0));
        b[1] = (byte) flags;
        return b;
    }

    public static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    public static byte[] text(String... pairs) {
        StringBuilder sb = new StringBuilder();
        for (String pair : pairs) {
            sb.append(pair).append('\0');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** BHS + data + padding, without digests. */
    public static ByteBuf frame(byte[] bhs, byte[] data) {
        return frame(bhs, data, false, false);
    }

    public static ByteBuf frame(byte[] bhs, byte[] data, boolean headerDigest, boolean dataDigest) {
        int length = data == null ? 0 : data.length;
        bhs[5] = (byte) (length >>> 16);
        bhs[6] = (byte) (length >>> 8);
        bhs[7] = (byte) length;
        ByteBuf out = Unpooled.buffer();
        out.writeBytes(bhs);
        Crc32c crc = new Crc32c();
        if (headerDigest) {
            out.writeIntLE(crc.of(out, 0, 48));
        }
        if (length > 0) {
            int start = out.writerIndex();
            out.writeBytes(data);
            out.writeZero(-length & 3);
            if (dataDigest) {
                out.writeIntLE(crc.of(out, start, out.writerIndex() - start));
            }
        }
        return out;
    }

    public static ByteBuf login(int flags, long isid, int itt, int cmdSn, int expStatSn, String... keys) {
        byte[] b = bhs(0x03, true, flags);
        b[8] = (byte) (isid >>> 40);
        b[9] = (byte) (isid >>> 32);
        putInt(b, 10, (int) isid);
        putInt(b, 16, itt);
        putInt(b, 24, cmdSn);
        putInt(b, 28, expStatSn);
        return frame(b, keys.length == 0 ? null : text(keys));
    }

    /** Login flags: T, C, CSG, NSG. */
    public static int loginFlags(boolean transit, int csg, int nsg) {
        return (transit ? T : 0) | csg << 2 | (transit ? nsg : 0);
    }

    public static byte[] scsiCommandHeader(int flags, long lun, int itt, int edtl, int cmdSn, byte[] cdb) {
        byte[] b = bhs(0x01, false, flags);
        b[9] = (byte) lun;
        putInt(b, 16, itt);
        putInt(b, 20, edtl);
        putInt(b, 24, cmdSn);
        System.arraycopy(cdb, 0, b, 32, cdb.length);
        return b;
    }

    public static ByteBuf scsiCommand(int flags, long lun, int itt, int edtl, int cmdSn, byte[] cdb, byte[] immediate) {
        return frame(scsiCommandHeader(flags, lun, itt, edtl, cmdSn, cdb), immediate);
    }

    public static ByteBuf dataOut(boolean fin, int itt, int ttt, int dataSn, int offset, byte[] data) {
        byte[] b = bhs(0x05, false, fin ? 0x80 : 0);
        putInt(b, 16, itt);
        putInt(b, 20, ttt);
        putInt(b, 36, dataSn);
        putInt(b, 40, offset);
        return frame(b, data);
    }

    public static ByteBuf nopOut(boolean immediate, int itt, int ttt, int cmdSn, byte[] data) {
        byte[] b = bhs(0x00, immediate, 0x80);
        putInt(b, 16, itt);
        putInt(b, 20, ttt);
        putInt(b, 24, cmdSn);
        return frame(b, data);
    }

    public static ByteBuf taskManagement(int function, long lun, int itt, int rtt, int cmdSn, int refCmdSn) {
        byte[] b = bhs(0x02, true, 0x80 | function);
        b[9] = (byte) lun;
        putInt(b, 16, itt);
        putInt(b, 20, rtt);
        putInt(b, 24, cmdSn);
        putInt(b, 32, refCmdSn);
        return frame(b, null);
    }

    public static ByteBuf textRequest(int flags, int itt, int ttt, int cmdSn, byte[] data) {
        byte[] b = bhs(0x04, false, flags);
        putInt(b, 16, itt);
        putInt(b, 20, ttt);
        putInt(b, 24, cmdSn);
        return frame(b, data);
    }

    public static ByteBuf logout(int reason, int itt, int cmdSn) {
        byte[] b = bhs(0x06, false, 0x80 | reason);
        putInt(b, 16, itt);
        putInt(b, 24, cmdSn);
        return frame(b, null);
    }

    public static byte[] read10(int lba, int blocks) {
        return new byte[] {0x28, 0, (byte) (lba >>> 24), (byte) (lba >>> 16), (byte) (lba >>> 8), (byte) lba, 0,
            (byte) (blocks >>> 8), (byte) blocks, 0};
    }

    public static byte[] write10(int lba, int blocks) {
        byte[] cdb = read10(lba, blocks);
        cdb[0] = 0x2a;
        return cdb;
    }
}
