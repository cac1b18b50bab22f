package io.mooring.engine.iscsi.pdu;

import io.netty.handler.codec.DecoderException;

/**
 * A PDU broke the protocol. When {@link #rejectedHeader()} is known (its header digest, if any, was good), the
 * connection answers with a Reject quoting it before it closes; otherwise it just closes.
 */
public final class IscsiProtocolException extends DecoderException {

    private static final long serialVersionUID = 1L;

    private final int rejectReason;
    private final transient byte[] rejectedHeader;

    public IscsiProtocolException(String message, int rejectReason, byte[] rejectedHeader) {
        super(message);
        this.rejectReason = rejectReason;
        this.rejectedHeader = rejectedHeader;
    }

    public int rejectReason() {
        return rejectReason;
    }

    /** The offending BHS, or null when it cannot be trusted (header digest error). */
    public byte[] rejectedHeader() {
        return rejectedHeader;
    }
}
