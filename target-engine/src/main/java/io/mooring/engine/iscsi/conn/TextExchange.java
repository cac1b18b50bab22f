package io.mooring.engine.iscsi.conn;

import io.mooring.engine.AccessGrant;
import io.mooring.engine.iscsi.login.ParameterNegotiator;
import io.mooring.engine.iscsi.login.TextFormatException;
import io.mooring.engine.iscsi.login.TextParameters;
import io.mooring.engine.iscsi.node.TargetNode;
import io.mooring.engine.iscsi.node.TargetRegistry;
import io.mooring.engine.iscsi.pdu.Opcodes;
import io.mooring.engine.iscsi.pdu.RejectPdu;
import io.mooring.engine.iscsi.pdu.TextRequest;
import io.mooring.engine.iscsi.pdu.TextResponse;
import io.mooring.engine.iscsi.session.IscsiSession;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Text requests in full feature phase (RFC 7143 11.10, 11.11): requests continued with the C bit are assembled,
 * responses longer than the initiator's MaxRecvDataSegmentLength are sent in parts the initiator asks for with
 * our target transfer tag. SendTargets (Appendix C) is answered; operational keys are settled at login and
 * answered NotUnderstood.
 */
final class TextExchange {

    /** Largest text request or response we assemble (C-bit continuation included). */
    static final int MAX_TEXT = 65536;

    private final Connection connection;
    private final IscsiSession session;
    private final TargetRegistry registry;
    private ByteBuf textRequest;
    private ByteBuf textResponse;
    private int textTransferTag;

    TextExchange(Connection connection, TargetRegistry registry) {
        this.connection = connection;
        this.session = connection.session;
        this.registry = registry;
    }

    void onRequest(TextRequest request) {
        int ttt = request.targetTransferTag();
        ByteBuf data = request.data();
        if (ttt != Opcodes.RESERVED_TAG && textRequest == null) {
            // the initiator asks for the next part of our response
            if (textResponse == null || ttt != textTransferTag) {
                connection.reject(request.header(), RejectPdu.INVALID_PDU_FIELD);
                return;
            }
            sendTextChunk(request);
            return;
        }
        if (textResponse != null) {
            // a new request abandons the rest of an earlier response
            textResponse.release();
            textResponse = null;
        }
        if (textRequest == null) {
            textRequest = connection.alloc().heapBuffer(Math.max(256, data.readableBytes()));
        }
        if (textRequest.readableBytes() + data.readableBytes() > MAX_TEXT) {
            connection.rejectAndClose(request.header(), RejectPdu.PROTOCOL_ERROR);
            return;
        }
        textRequest.writeBytes(data, data.readerIndex(), data.readableBytes());
        if (request.continueFlag()) {
            textTransferTag = connection.nextTransferTag();
            connection.send(new TextResponse(false, false, request.lunField(), request.initiatorTaskTag(), textTransferTag,
                    null));
            return;
        }
        Map<String, String> keys;
        try {
            keys = TextParameters.parse(textRequest);
        } catch (TextFormatException e) {
            connection.reject(request.header(), RejectPdu.PROTOCOL_ERROR);
            releaseTextRequest();
            return;
        } finally {
            if (textRequest != null) {
                releaseTextRequest();
            }
        }
        textResponse = connection.alloc().heapBuffer(256);
        for (Map.Entry<String, String> e : keys.entrySet()) {
            if (e.getKey().equals("SendTargets")) {
                sendTargets(e.getValue(), textResponse);
            } else {
                // operational keys are settled at login; renegotiation is not offered
                TextParameters.write(textResponse, e.getKey(), ParameterNegotiator.NOT_UNDERSTOOD);
            }
        }
        textTransferTag = connection.nextTransferTag();
        sendTextChunk(request);
    }

    private void sendTextChunk(TextRequest request) {
        int length = Math.min(textResponse.readableBytes(), connection.params.initiatorMaxRecvDataSegmentLength());
        boolean last = length == textResponse.readableBytes();
        ByteBuf chunk = textResponse.readRetainedSlice(length);
        connection.send(new TextResponse(last, !last, request.lunField(), request.initiatorTaskTag(),
                last ? Opcodes.RESERVED_TAG : textTransferTag, chunk));
        if (last) {
            release();
        }
    }

    /** SendTargets (RFC 7143 Appendix C): only targets this initiator and CHAP account may log in to. */
    private void sendTargets(String which, ByteBuf out) {
        List<TargetNode> visible = new ArrayList<>();
        if (session.discovery()) {
            AccessGrant grant = session.grant();
            for (TargetNode node : registry.nodes()) {
                if (node.grantFor(grant.chapUser(), session.initiatorName()) != null
                        && (which.equals("All") || which.equals(node.name()))) {
                    visible.add(node);
                }
            }
        } else if (which.equals("All") || which.isEmpty() || which.equals(session.node().name())) {
            visible.add(session.node());
        }
        String address = registry.advertisedPortal() + "," + registry.portalGroupTag();
        for (TargetNode node : visible) {
            int size = node.name().length() + address.length() + 32;
            if (out.readableBytes() + size > MAX_TEXT) {
                break; // the whole answer stays within 64 KiB
            }
            TextParameters.write(out, "TargetName", node.name());
            TextParameters.write(out, "TargetAddress", address);
        }
    }

    private void releaseTextRequest() {
        if (textRequest != null) {
            textRequest.release();
            textRequest = null;
        }
    }

    /** Frees a half-assembled request or half-sent response. */
    void release() {
        releaseTextRequest();
        if (textResponse != null) {
            textResponse.release();
            textResponse = null;
        }
    }
}
