package io.mooring.engine.iscsi.login;

import java.util.Map;

/**
 * Answers the initiator's operational keys with RFC 7143 semantics (section 13): list keys take the first value we
 * support, numerical keys take the minimum or maximum of both sides, boolean keys AND or OR, declarative keys are
 * recorded. Values out of range are answered {@code Reject}; keys we do not know, {@code NotUnderstood}.
 */
public final class ParameterNegotiator {

    /** What we declare we can receive per PDU. */
    public static final int TARGET_MAX_RECV_DATA_SEGMENT_LENGTH = 262144;
    public static final int TARGET_MAX_BURST_LENGTH = 1048576;
    public static final int TARGET_FIRST_BURST_LENGTH = 262144;
    public static final int TARGET_MAX_OUTSTANDING_R2T = 8;

    private static final int MIN_SEGMENT = 512;
    private static final int MAX_SEGMENT = 16777215;

    public static final String REJECT = "Reject";
    public static final String NOT_UNDERSTOOD = "NotUnderstood";
    public static final String IRRELEVANT = "Irrelevant";

    private final OperationalParameters params = new OperationalParameters();
    private boolean declared;

    public OperationalParameters parameters() {
        return params;
    }

    /**
     * Answers one key the initiator offered and applies the outcome; returns null when no answer is due
     * (declarations).
     */
    public String negotiate(String key, String value) {
        switch (key) {
            case "HeaderDigest":
                return digest(value, true);
            case "DataDigest":
                return digest(value, false);
            case "MaxRecvDataSegmentLength": {
                long n = number(value, MIN_SEGMENT, MAX_SEGMENT);
                if (n < 0) {
                    return REJECT;
                }
                params.initiatorMaxRecvDataSegmentLength = (int) n;
                return null;
            }
            case "MaxBurstLength":
                return min(value, MIN_SEGMENT, MAX_SEGMENT, TARGET_MAX_BURST_LENGTH, v -> params.maxBurstLength = v);
            case "FirstBurstLength":
                return min(value, MIN_SEGMENT, MAX_SEGMENT, TARGET_FIRST_BURST_LENGTH,
                        v -> params.firstBurstLength = v);
            case "MaxOutstandingR2T":
                return min(value, 1, 65535, TARGET_MAX_OUTSTANDING_R2T, v -> params.maxOutstandingR2T = v);
            case "MaxConnections":
                return min(value, 1, 65535, 1, v -> params.maxConnections = v);
            case "ErrorRecoveryLevel":
                return min(value, 0, 2, 0, v -> params.errorRecoveryLevel = v);
            case "DefaultTime2Retain":
                return min(value, 0, 3600, 0, v -> params.defaultTime2Retain = v);
            case "DefaultTime2Wait": {
                long n = number(value, 0, 3600);
                if (n < 0) {
                    return REJECT;
                }
                params.defaultTime2Wait = (int) Math.max(n, 2);
                return Integer.toString(params.defaultTime2Wait);
            }
            case "ImmediateData":
                return bool(value, true, false, v -> params.immediateData = v);
            case "InitialR2T":
                return bool(value, false, true, v -> params.initialR2T = v);
            case "DataPDUInOrder":
                return bool(value, true, true, v -> params.dataPduInOrder = v);
            case "DataSequenceInOrder":
                return bool(value, true, true, v -> params.dataSequenceInOrder = v);
            case "IFMarker":
            case "OFMarker":
                // RFC 3720 keys that RFC 7143 dropped: some initiators still offer them, always "No"
                return bool(value, false, false, v -> { });
            case "IFMarkInt":
            case "OFMarkInt":
                return IRRELEVANT;
            case "TaskReporting":
                return "RFC3720";
            case "InitiatorAlias":
                return null;
            case "TargetAlias":
            case "TargetAddress":
            case "TargetPortalGroupTag":
                return REJECT; // target-declared keys: an initiator must not send them
            default:
                return NOT_UNDERSTOOD;
        }
    }

    /** Adds our declarations not sent yet: our MaxRecvDataSegmentLength (RFC 7143 13.12). */
    public void addDeclarations(Map<String, String> response) {
        if (!declared) {
            declared = true;
            params.targetMaxRecvDataSegmentLength = TARGET_MAX_RECV_DATA_SEGMENT_LENGTH;
            response.put("MaxRecvDataSegmentLength", Integer.toString(TARGET_MAX_RECV_DATA_SEGMENT_LENGTH));
        }
    }

    /** Settles what depends on several keys; call once the login completes. */
    public OperationalParameters finish() {
        params.firstBurstLength = Math.min(params.firstBurstLength, params.maxBurstLength);
        return params;
    }

    private String digest(String offered, boolean header) {
        for (String choice : offered.split(",", -1)) {
            if (choice.equals("None") || choice.equals("CRC32C")) {
                boolean on = choice.equals("CRC32C");
                if (header) {
                    params.headerDigest = on;
                } else {
                    params.dataDigest = on;
                }
                return choice;
            }
        }
        return REJECT;
    }

    private interface IntSetter {
        void set(int value);
    }

    private interface BoolSetter {
        void set(boolean value);
    }

    private static String min(String offered, long low, long high, int ours, IntSetter setter) {
        long n = number(offered, low, high);
        if (n < 0) {
            return REJECT;
        }
        int result = (int) Math.min(n, ours);
        setter.set(result);
        return Integer.toString(result);
    }

    /** {@code and}: the result is Yes only if both say Yes; otherwise (OR) if either says Yes. */
    private static String bool(String offered, boolean ours, boolean or, BoolSetter setter) {
        boolean theirs;
        if (offered.equals("Yes")) {
            theirs = true;
        } else if (offered.equals("No")) {
            theirs = false;
        } else {
            return REJECT;
        }
        boolean result = or ? theirs || ours : theirs && ours;
        setter.set(result);
        return result ? "Yes" : "No";
    }

    /** The decimal or 0x-hex number in [low, high], or -1. */
    static long number(String value, long low, long high) {
        try {
            long n = value.startsWith("0x") || value.startsWith("0X")
                    ? Long.parseLong(value.substring(2), 16) : Long.parseLong(value);
            return n < low || n > high ? -1 : n;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
