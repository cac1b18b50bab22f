package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames the byte stream into initiator PDUs: BHS, (no) AHS, header digest, data segment padded to 4 bytes,
 * data digest. Every length is bounded before anything is buffered, and the header (with its digest) is checked
 * before the payload is awaited. After a framing error the decoder discards everything: the next frame boundary
 * cannot be trusted, so the connection must close.
 */
public final class IscsiPduDecoder extends ByteToMessageDecoder {

    /** Bound on login and text data segments during login (RFC 7143 6.1: 8192 unless negotiated). */
    public static final int LOGIN_MAX_DATA_SEGMENT_LENGTH = 8192;

    private enum State { HEADER, PAYLOAD, BAD_MESSAGE }

    private final Crc32c crc = new Crc32c();
    private boolean headerDigest;
    private boolean dataDigest;
    private int maxDataSegmentLength = LOGIN_MAX_DATA_SEGMENT_LENGTH;

    private State state = State.HEADER;
    private byte[] header;
    private int dataLength;

    public IscsiPduDecoder() {
        // a data segment spanning many reads is kept as the reads' own buffers, not copied into a growing one;
        // the PDUs' data are retained slices of them, handed on without a copy (merging would copy every byte)
        setCumulator(COMPOSITE_CUMULATOR);
    }

    /** Switches digests on for the PDUs after the final Login Response (RFC 7143 13.1). */
    public void enableDigests(boolean header, boolean data) {
        this.headerDigest = header;
        this.dataDigest = data;
    }

    /** The largest data segment accepted: the MaxRecvDataSegmentLength the target declared. */
    public void maxDataSegmentLength(int length) {
        this.maxDataSegmentLength = length;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case BAD_MESSAGE:
                in.skipBytes(in.readableBytes());
                return;
            case HEADER:
                if (!readHeader(in)) {
                    return;
                }
                // fall through: the payload may already be here
            case PAYLOAD:
                readPayload(in, out);
                return;
            default:
                throw new IllegalStateException(state.name());
        }
    }

    private boolean readHeader(ByteBuf in) {
        if (in.readableBytes() < IscsiPdu.BHS_LENGTH) {
            return false;
        }
        int at = in.readerIndex();
        int ahsLength = in.getUnsignedByte(at + 4) * 4;
        int headerLength = IscsiPdu.BHS_LENGTH + ahsLength + (headerDigest ? 4 : 0);
        if (in.readableBytes() < headerLength) {
            return false;
        }
        if (headerDigest) {
            int expected = crc.of(in, at, IscsiPdu.BHS_LENGTH + ahsLength);
            if (expected != in.getIntLE(at + IscsiPdu.BHS_LENGTH + ahsLength)) {
                throw fail(in, "header digest error", 0, null);
            }
        }
        byte[] bhs = new byte[IscsiPdu.BHS_LENGTH];
        in.getBytes(at, bhs);
        int opcode = bhs[0] & 0x3f;
        int length = Bhs.getMedium(bhs, 5);
        if (!Opcodes.isInitiatorOpcode(opcode)) {
            throw fail(in, "opcode 0x" + Integer.toHexString(opcode) + " is not an initiator opcode",
                    RejectPdu.PROTOCOL_ERROR, bhs);
        }
        if (ahsLength != 0) {
            throw fail(in, "AHS of " + ahsLength + " bytes is not supported", RejectPdu.PROTOCOL_ERROR, bhs);
        }
        if (length > maxDataSegmentLength) {
            throw fail(in, "data segment of " + length + " bytes exceeds " + maxDataSegmentLength,
                    RejectPdu.PROTOCOL_ERROR, bhs);
        }
        in.skipBytes(headerLength);
        header = bhs;
        dataLength = length;
        state = State.PAYLOAD;
        return true;
    }

    private void readPayload(ByteBuf in, List<Object> out) {
        int padded = (dataLength + 3) & ~3;
        boolean digest = dataDigest && dataLength > 0;
        if (in.readableBytes() < padded + (digest ? 4 : 0)) {
            return;
        }
        int at = in.readerIndex();
        if (digest && crc.of(in, at, padded) != in.getIntLE(at + padded)) {
            throw fail(in, "data digest error", RejectPdu.DATA_DIGEST_ERROR, header);
        }
        byte[] bhs = header;
        header = null;
        state = State.HEADER;
        ByteBuf data = dataLength == 0 ? Unpooled.EMPTY_BUFFER : in.retainedSlice(at, dataLength);
        in.skipBytes(padded + (digest ? 4 : 0));
        out.add(newPdu(bhs, data));
    }

    private static InitiatorPdu newPdu(byte[] bhs, ByteBuf data) {
        switch (bhs[0] & 0x3f) {
            case Opcodes.NOP_OUT: return new NopOut(bhs, data);
            case Opcodes.SCSI_COMMAND: return new ScsiCommandRequest(bhs, data);
            case Opcodes.TASK_MANAGEMENT_REQUEST: return new TaskManagementRequest(bhs, data);
            case Opcodes.LOGIN_REQUEST: return new LoginRequest(bhs, data);
            case Opcodes.TEXT_REQUEST: return new TextRequest(bhs, data);
            case Opcodes.DATA_OUT: return new DataOut(bhs, data);
            case Opcodes.LOGOUT_REQUEST: return new LogoutRequest(bhs, data);
            case Opcodes.SNACK_REQUEST: return new SnackRequest(bhs, data);
            default:
                data.release();
                throw new IllegalStateException("opcode checked in readHeader");
        }
    }

    private IscsiProtocolException fail(ByteBuf in, String message, int reason, byte[] bhs) {
        state = State.BAD_MESSAGE;
        header = null;
        in.skipBytes(in.readableBytes());
        return new IscsiProtocolException(message, reason, bhs);
    }
}
