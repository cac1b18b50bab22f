package io.mooring.engine.iscsi.login;

/**
 * The operational parameters of a session and connection, starting from RFC 7143's defaults (section 13) and
 * changed by negotiation. Lengths are in bytes.
 */
public final class OperationalParameters {

    boolean headerDigest;
    boolean dataDigest;
    int initiatorMaxRecvDataSegmentLength = 8192;
    int targetMaxRecvDataSegmentLength = 8192;
    int maxBurstLength = 262144;
    int firstBurstLength = 65536;
    boolean immediateData = true;
    boolean initialR2T = true;
    int maxOutstandingR2T = 1;
    boolean dataPduInOrder = true;
    boolean dataSequenceInOrder = true;
    int errorRecoveryLevel;
    int defaultTime2Wait = 2;
    int defaultTime2Retain = 20;
    int maxConnections = 1;

    public boolean headerDigest() { return headerDigest; }

    public boolean dataDigest() { return dataDigest; }

    /** Largest data segment the initiator accepts: our Data-In, R2T-free text and NOP-In payloads stay within it. */
    public int initiatorMaxRecvDataSegmentLength() { return initiatorMaxRecvDataSegmentLength; }

    /** Largest data segment we accept (what we declared). */
    public int targetMaxRecvDataSegmentLength() { return targetMaxRecvDataSegmentLength; }

    public int maxBurstLength() { return maxBurstLength; }

    public int firstBurstLength() { return firstBurstLength; }

    public boolean immediateData() { return immediateData; }

    public boolean initialR2T() { return initialR2T; }

    public int maxOutstandingR2T() { return maxOutstandingR2T; }

    public boolean dataPduInOrder() { return dataPduInOrder; }

    public boolean dataSequenceInOrder() { return dataSequenceInOrder; }

    public int errorRecoveryLevel() { return errorRecoveryLevel; }

    public int defaultTime2Wait() { return defaultTime2Wait; }

    public int defaultTime2Retain() { return defaultTime2Retain; }

    public int maxConnections() { return maxConnections; }
}
