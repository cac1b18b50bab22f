package io.mooring.engine.scsi.spc;

import static io.mooring.engine.scsi.Cdb.put16;
import static io.mooring.engine.scsi.Cdb.put32;
import static io.mooring.engine.scsi.Cdb.put64;
import static io.mooring.engine.scsi.Cdb.u16;
import static io.mooring.engine.scsi.Cdb.u8;

import io.mooring.engine.scsi.Responses;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.lun.LogicalUnit;
import io.mooring.engine.scsi.sbc.BlockLimits;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import java.nio.charset.StandardCharsets;

/** INQUIRY: standard data and the vital product data pages an SBC-3 disk with thin provisioning reports. */
public final class Inquiry {

    private static final int PAGE_SUPPORTED = 0x00;
    private static final int PAGE_SERIAL = 0x80;
    private static final int PAGE_DEVICE_ID = 0x83;
    private static final int PAGE_THIRD_PARTY_COPY = 0x8f;
    private static final int PAGE_BLOCK_LIMITS = 0xb0;
    private static final int PAGE_BLOCK_CHARACTERISTICS = 0xb1;
    private static final int PAGE_PROVISIONING = 0xb2;
    private static final byte[] SUPPORTED_PAGES = {
        PAGE_SUPPORTED, (byte) PAGE_SERIAL, (byte) PAGE_DEVICE_ID, (byte) PAGE_THIRD_PARTY_COPY,
        (byte) PAGE_BLOCK_LIMITS, (byte) PAGE_BLOCK_CHARACTERISTICS, (byte) PAGE_PROVISIONING,
    };

    private static final String VENDOR = "MOORING ";
    private static final String PRODUCT = "VOLUME          ";
    private static final String REVISION = "0001";
    /** SAM-5, SPC-4, SBC-3, iSCSI (RFC 7143). */
    private static final int[] VERSION_DESCRIPTORS = {0x00a0, 0x0460, 0x04c0, 0x0960};
    private static final int STANDARD_LENGTH = 66;

    private static final int PQ_NOT_CONNECTED = 0x7f;
    private static final int DIRECT_ACCESS_BLOCK_DEVICE = 0x00;
    private static final int CODE_SET_BINARY = 1;
    private static final int CODE_SET_ASCII = 2;
    private static final int CODE_SET_UTF8 = 3;
    private static final int PROTOCOL_ISCSI = 5;

    private Inquiry() {
    }

    public static ScsiResponse inquiry(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        boolean vpd = (cdb[1] & 0x01) != 0;
        int page = u8(cdb, 2);
        int allocationLength = u16(cdb, 3);
        if ((cdb[1] & 0x02) != 0) {
            throw new SenseException(Sense.invalidFieldInCdb(1, 1));
        }
        if (!vpd && page != 0) {
            throw new SenseException(Sense.invalidFieldInCdb(2, Sense.WHOLE_BYTE));
        }
        if (!vpd) {
            return Responses.parameterData(standard(lu), allocationLength);
        }
        if (lu == null) {
            throw new SenseException(Sense.LUN_NOT_SUPPORTED);
        }
        byte[] data = switch (page) {
            case PAGE_SUPPORTED -> vpdPage(page, SUPPORTED_PAGES);
            case PAGE_SERIAL -> vpdPage(page, lu.serialNumber().getBytes(StandardCharsets.US_ASCII));
            case PAGE_DEVICE_ID -> vpdPage(page, deviceIdentification(lu, command));
            case PAGE_THIRD_PARTY_COPY -> vpdPage(page, ExtendedCopy.thirdPartyCopyPage());
            case PAGE_BLOCK_LIMITS -> vpdPage(page, blockLimits(lu));
            case PAGE_BLOCK_CHARACTERISTICS -> vpdPage(page, blockCharacteristics());
            case PAGE_PROVISIONING -> vpdPage(page, provisioning(lu.backend().thinProvisioned()));
            default -> throw new SenseException(Sense.invalidFieldInCdb(2, Sense.WHOLE_BYTE));
        };
        return Responses.parameterData(data, allocationLength);
    }

    /** Standard data; for an unmapped LUN (lu == null) the peripheral qualifier says "not connected". */
    private static byte[] standard(LogicalUnit lu) {
        byte[] d = new byte[STANDARD_LENGTH];
        d[0] = (byte) (lu == null ? PQ_NOT_CONNECTED : DIRECT_ACCESS_BLOCK_DEVICE);
        d[2] = 0x06;                       // SPC-4
        d[3] = 0x12;                       // HISUP, response data format 2
        d[4] = (byte) (STANDARD_LENGTH - 5);
        d[7] = 0x02;                       // CMDQUE
        ascii(d, 8, VENDOR);
        ascii(d, 16, PRODUCT);
        ascii(d, 32, REVISION);
        for (int i = 0; i < VERSION_DESCRIPTORS.length; i++) {
            put16(d, 58 + i * 2, VERSION_DESCRIPTORS[i]);
        }
        return d;
    }

    /** NAA (the LU's stable id), T10 vendor id, and the target port's relative id and SCSI name. */
    private static byte[] deviceIdentification(LogicalUnit lu, ScsiCommand command) {
        byte[] naa = lu.naaIdentifier();
        byte[] t10 = (VENDOR + lu.deviceId()).getBytes(StandardCharsets.US_ASCII);
        byte[] portName = paddedNullTerminated(command.nexus().targetPortName());
        byte[] relativePort = {0, 0, 0, 1};
        int length = 4 + naa.length + 4 + t10.length + 4 + relativePort.length + 4 + portName.length;
        byte[] d = new byte[length];
        int at = designator(d, 0, CODE_SET_BINARY, 0x00, 0x03, naa);
        at = designator(d, at, CODE_SET_ASCII, 0x00, 0x01, t10);
        at = designator(d, at, (PROTOCOL_ISCSI << 4) | CODE_SET_BINARY, 0x80 | 0x10, 0x04, relativePort);
        designator(d, at, (PROTOCOL_ISCSI << 4) | CODE_SET_UTF8, 0x80 | 0x10, 0x08, portName);
        return d;
    }

    /** Writes one designation descriptor; {@code associationAndPiv} carries PIV (bit 7) and ASSOCIATION (bits 5-4). */
    private static int designator(byte[] d, int at, int protocolAndCodeSet, int associationAndPiv, int type, byte[] id) {
        d[at] = (byte) protocolAndCodeSet;
        d[at + 1] = (byte) (associationAndPiv | type);
        d[at + 3] = (byte) id.length;
        System.arraycopy(id, 0, d, at + 4, id.length);
        return at + 4 + id.length;
    }

    private static byte[] blockLimits(LogicalUnit lu) {
        byte[] d = new byte[0x3c];
        d[1] = (byte) BlockLimits.MAX_COMPARE_AND_WRITE_BLOCKS;
        put16(d, 2, 1 << lu.physicalBlockExponent());
        put32(d, 4, BlockLimits.MAX_TRANSFER_BYTES / lu.blockSize());
        put32(d, 8, BlockLimits.OPTIMAL_TRANSFER_BYTES / lu.blockSize());
        if (lu.backend().thinProvisioned()) {
            put32(d, 16, BlockLimits.MAX_UNMAP_BYTES / lu.blockSize());
            put32(d, 20, BlockLimits.MAX_UNMAP_DESCRIPTORS);
            put32(d, 24, 1 << lu.physicalBlockExponent());   // OPTIMAL UNMAP GRANULARITY
        }
        put64(d, 32, BlockLimits.MAX_WRITE_SAME_BYTES / lu.blockSize());
        return d;
    }

    /** Non-rotating medium. */
    private static byte[] blockCharacteristics() {
        byte[] d = new byte[0x3c];
        put16(d, 0, 0x0001);
        return d;
    }

    /**
     * Thin: LBPU (UNMAP), LBPWS and LBPWS10 (WRITE SAME 16/10 with UNMAP), LBPRZ (deallocated blocks read as zeros),
     * provisioning type thin. Otherwise fully provisioned, no deallocation offered (zeros would only be written).
     */
    private static byte[] provisioning(boolean thin) {
        return thin ? new byte[] {0, (byte) 0xe4, 0x02, 0} : new byte[4];
    }

    /** A VPD page: header (page code, 16-bit page length) then {@code body}; body offsets count from byte 4. */
    private static byte[] vpdPage(int page, byte[] body) {
        byte[] d = new byte[4 + body.length];
        d[1] = (byte) page;
        put16(d, 2, body.length);
        System.arraycopy(body, 0, d, 4, body.length);
        return d;
    }

    private static byte[] paddedNullTerminated(String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[(utf8.length + 1 + 3) & ~3];
        System.arraycopy(utf8, 0, padded, 0, utf8.length);
        return padded;
    }

    private static void ascii(byte[] d, int at, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, d, at, bytes.length);
    }
}
