package io.mooring.engine.scsi.spc;

import static io.mooring.engine.scsi.Cdb.put16;
import static io.mooring.engine.scsi.Cdb.put32;
import static io.mooring.engine.scsi.Cdb.put64;
import static io.mooring.engine.scsi.Cdb.u16;
import static io.mooring.engine.scsi.Cdb.u24;
import static io.mooring.engine.scsi.Cdb.u8;

import io.mooring.engine.scsi.Responses;
import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.lun.LogicalUnit;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;

/**
 * MODE SENSE/SELECT (6) and (10) with the caching (08h), control (0Ah) and informational exceptions (1Ch) pages.
 * Changeable: WCE (clearing it makes every write durable before status, so the page always tells the truth about
 * the page cache) and SWP (software write protect).
 */
public final class ModeCommands {

    private static final int PAGE_CACHING = 0x08;
    private static final int PAGE_CONTROL = 0x0a;
    private static final int PAGE_INFORMATIONAL_EXCEPTIONS = 0x1c;
    private static final int ALL_PAGES = 0x3f;
    private static final int ALL_SUBPAGES = 0xff;

    private static final int PC_CURRENT = 0;
    private static final int PC_CHANGEABLE = 1;
    private static final int PC_DEFAULT = 2;
    private static final int PC_SAVED = 3;

    private static final int WCE = 0x04;
    private static final int SWP = 0x08;
    private static final int WP = 0x80;
    private static final int DPOFUA = 0x10;

    private ModeCommands() {
    }

    public static ScsiResponse modeSense6(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        boolean blockDescriptor = (cdb[1] & 0x08) == 0;
        byte[] pages = pages(lu, cdb);
        byte[] descriptor = blockDescriptor ? shortBlockDescriptor(lu) : new byte[0];
        byte[] data = new byte[4 + descriptor.length + pages.length];
        data[0] = (byte) (data.length - 1);
        data[2] = (byte) deviceSpecific(lu, command);
        data[3] = (byte) descriptor.length;
        System.arraycopy(descriptor, 0, data, 4, descriptor.length);
        System.arraycopy(pages, 0, data, 4 + descriptor.length, pages.length);
        return Responses.parameterData(data, u8(cdb, 4));
    }

    public static ScsiResponse modeSense10(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        boolean blockDescriptor = (cdb[1] & 0x08) == 0;
        boolean longLba = (cdb[1] & 0x10) != 0;
        byte[] pages = pages(lu, cdb);
        byte[] descriptor = !blockDescriptor ? new byte[0] : longLba ? longBlockDescriptor(lu) : shortBlockDescriptor(lu);
        byte[] data = new byte[8 + descriptor.length + pages.length];
        put16(data, 0, data.length - 2);
        data[3] = (byte) deviceSpecific(lu, command);
        data[4] = (byte) (longLba && blockDescriptor ? 0x01 : 0x00);
        put16(data, 6, descriptor.length);
        System.arraycopy(descriptor, 0, data, 8, descriptor.length);
        System.arraycopy(pages, 0, data, 8 + descriptor.length, pages.length);
        return Responses.parameterData(data, u16(cdb, 7));
    }

    public static ScsiResponse modeSelect6(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        return modeSelect(lu, command, u8(cdb, 4), 4, 3);
    }

    public static ScsiResponse modeSelect10(LogicalUnit lu, ScsiCommand command) {
        byte[] cdb = command.cdb();
        return modeSelect(lu, command, u16(cdb, 7), 8, -1);
    }

    private static int deviceSpecific(LogicalUnit lu, ScsiCommand command) {
        return (lu.writeProtected(command) ? WP : 0) | DPOFUA;
    }

    private static byte[] pages(LogicalUnit lu, byte[] cdb) {
        int pageControl = (cdb[2] & 0xc0) >>> 6;
        int page = cdb[2] & 0x3f;
        int subpage = u8(cdb, 3);
        if (pageControl == PC_SAVED) {
            throw new SenseException(Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
        }
        if (subpage != 0 && !(page == ALL_PAGES && subpage == ALL_SUBPAGES)) {
            throw new SenseException(Sense.invalidFieldInCdb(3, Sense.WHOLE_BYTE));
        }
        return switch (page) {
            case PAGE_CACHING -> caching(lu, pageControl);
            case PAGE_CONTROL -> control(lu, pageControl);
            case PAGE_INFORMATIONAL_EXCEPTIONS -> informationalExceptions(pageControl);
            case ALL_PAGES -> concat(caching(lu, pageControl), control(lu, pageControl),
                    informationalExceptions(pageControl));
            default -> throw new SenseException(Sense.invalidFieldInCdb(2, 5));
        };
    }

    private static byte[] caching(LogicalUnit lu, int pageControl) {
        byte[] p = new byte[20];
        p[0] = PAGE_CACHING;
        p[1] = (byte) (p.length - 2);
        p[2] = (byte) switch (pageControl) {
            case PC_CHANGEABLE -> WCE;
            case PC_DEFAULT -> WCE;
            default -> lu.writeCacheEnabled() ? WCE : 0;
        };
        return p;
    }

    /** SWP changeable; QUEUE ALGORITHM MODIFIER 1: commands may be reordered, as the initiator expects of a disk. */
    private static byte[] control(LogicalUnit lu, int pageControl) {
        byte[] p = new byte[12];
        p[0] = PAGE_CONTROL;
        p[1] = (byte) (p.length - 2);
        if (pageControl == PC_CHANGEABLE) {
            p[4] = SWP;
        } else {
            p[3] = 0x10;
            p[4] = (byte) (pageControl == PC_CURRENT && lu.softwareWriteProtected() ? SWP : 0);
            put16(p, 8, 0xffff);           // BUSY TIMEOUT PERIOD: unlimited
        }
        return p;
    }

    /** No informational exceptions are ever reported (MRIE 0); nothing changeable. */
    private static byte[] informationalExceptions(int pageControl) {
        byte[] p = new byte[12];
        p[0] = PAGE_INFORMATIONAL_EXCEPTIONS;
        p[1] = (byte) (p.length - 2);
        return p;
    }

    private static byte[] shortBlockDescriptor(LogicalUnit lu) {
        byte[] d = new byte[8];
        put32(d, 0, Math.min(lu.blockCount(), 0xffff_ffffL));
        put32(d, 4, lu.blockSize());
        d[4] = 0;
        return d;
    }

    private static byte[] longBlockDescriptor(LogicalUnit lu) {
        byte[] d = new byte[16];
        put64(d, 0, lu.blockCount());
        put32(d, 12, lu.blockSize());
        return d;
    }

    /**
     * Applies a parameter list: header, optional block descriptor (its block length must be ours), then pages whose
     * non-changeable bits must equal the current values.
     */
    private static ScsiResponse modeSelect(LogicalUnit lu, ScsiCommand command, int listLength, int headerLength,
                                           int descriptorLengthOffset) {
        byte[] cdb = command.cdb();
        if ((cdb[1] & 0x01) != 0) {
            throw new SenseException(Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
        }
        if (listLength == 0) {
            return ScsiResponse.good();
        }
        ByteBuf dataOut = command.dataOut();
        if (dataOut == null || dataOut.readableBytes() < listLength || listLength < headerLength) {
            throw new SenseException(Sense.PARAMETER_LIST_LENGTH_ERROR);
        }
        byte[] list = new byte[listLength];
        dataOut.getBytes(dataOut.readerIndex(), list);
        int descriptorLength = descriptorLengthOffset >= 0 ? u8(list, descriptorLengthOffset) : u16(list, 6);
        int at = headerLength + descriptorLength;
        if (at > listLength) {
            throw new SenseException(Sense.PARAMETER_LIST_LENGTH_ERROR);
        }
        int blockLengthField = headerLength + descriptorLength - 3;
        if (descriptorLength >= 8 && u24(list, blockLengthField) != lu.blockSize()) {
            throw new SenseException(Sense.invalidFieldInParameterList(blockLengthField, Sense.WHOLE_BYTE));
        }
        Boolean newWriteCache = null;
        Boolean newSoftwareWriteProtect = null;
        while (at < listLength) {
            if (at + 2 > listLength) {
                throw new SenseException(Sense.PARAMETER_LIST_LENGTH_ERROR);
            }
            int page = list[at] & 0x3f;
            int pageLength = u8(list, at + 1) + 2;
            if ((list[at] & 0x40) != 0) {
                throw new SenseException(Sense.invalidFieldInParameterList(at, 6));
            }
            if (at + pageLength > listLength) {
                throw new SenseException(Sense.invalidFieldInParameterList(at + 1, Sense.WHOLE_BYTE));
            }
            byte[] current = switch (page) {
                case PAGE_CACHING -> caching(lu, PC_CURRENT);
                case PAGE_CONTROL -> control(lu, PC_CURRENT);
                case PAGE_INFORMATIONAL_EXCEPTIONS -> informationalExceptions(PC_CURRENT);
                default -> throw new SenseException(Sense.invalidFieldInParameterList(at, 5));
            };
            byte[] changeable = switch (page) {
                case PAGE_CACHING -> caching(lu, PC_CHANGEABLE);
                case PAGE_CONTROL -> control(lu, PC_CHANGEABLE);
                default -> informationalExceptions(PC_CHANGEABLE);
            };
            if (pageLength != current.length) {
                throw new SenseException(Sense.invalidFieldInParameterList(at + 1, Sense.WHOLE_BYTE));
            }
            for (int i = 2; i < pageLength; i++) {
                int unchangeable = (list[at + i] ^ current[i]) & ~changeable[i] & 0xff;
                if (unchangeable != 0) {
                    throw new SenseException(Sense.invalidFieldInParameterList(at + i,
                            Sense.leftmostBit(unchangeable)));
                }
            }
            if (page == PAGE_CACHING) {
                newWriteCache = (list[at + 2] & WCE) != 0;
            } else if (page == PAGE_CONTROL) {
                newSoftwareWriteProtect = (list[at + 4] & SWP) != 0;
            }
            at += pageLength;
        }
        if (newWriteCache != null && newWriteCache != lu.writeCacheEnabled()) {
            if (!newWriteCache) {
                lu.flush();
            }
            lu.writeCacheEnabled(newWriteCache);
            lu.unitAttentions().raiseForOthers(command.nexus(), Sense.MODE_PARAMETERS_CHANGED);
        }
        if (newSoftwareWriteProtect != null && newSoftwareWriteProtect != lu.softwareWriteProtected()) {
            lu.softwareWriteProtected(newSoftwareWriteProtect);
            lu.unitAttentions().raiseForOthers(command.nexus(), Sense.MODE_PARAMETERS_CHANGED);
        }
        return ScsiResponse.good();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
