package io.mooring.engine.scsi;

import io.netty.buffer.ByteBuf;

/**
 * One SCSI command as the transport hands it to the SCSI layer: the CDB, the nexus, and (for writes) all of its
 * Data-Out already gathered. The SCSI layer never sees a PDU.
 *
 * <p>Ownership: the transport owns {@link #dataOut()} and releases it after the command's
 * {@link ScsiCompletion} has been called; the SCSI layer reads it (or retains it explicitly) but never releases it.
 */
public final class ScsiCommand {

    private final ItNexus nexus;
    private final long lun;
    private final byte[] cdb;
    private final int expectedTransferLength;
    private final TaskAttribute taskAttribute;
    private final int taskTag;
    private final boolean writeProtected;
    private final ByteBuf dataOut;
    private final long receivedNanos;

    /**
     * @param lun                    the LUN as a 64-bit SAM LUN value (the transport decodes the iSCSI LUN field)
     * @param cdb                    the CDB; its length is the CDB's length (6..16, or longer with an AHS)
     * @param expectedTransferLength the initiator's expected data transfer length (EDTL)
     * @param taskTag                the initiator task tag; identifies the task for task management
     * @param writeProtected         the session's access to this LUN is read-only (an {@code ro} attachment)
     * @param dataOut                the command's Data-Out, or {@code null} when it has none
     */
    public ScsiCommand(ItNexus nexus, long lun, byte[] cdb, int expectedTransferLength,
                       TaskAttribute taskAttribute, int taskTag, boolean writeProtected, ByteBuf dataOut) {
        this(nexus, lun, cdb, expectedTransferLength, taskAttribute, taskTag, writeProtected, dataOut, System.nanoTime());
    }

    /**
     * @param receivedNanos when the transport received the command ({@link System#nanoTime()}), which may be well before
     *                      its Data-Out was gathered: unit attentions raised after it are left for later commands
     */
    public ScsiCommand(ItNexus nexus, long lun, byte[] cdb, int expectedTransferLength,
                       TaskAttribute taskAttribute, int taskTag, boolean writeProtected, ByteBuf dataOut, long receivedNanos) {
        this.nexus = nexus;
        this.lun = lun;
        this.cdb = cdb;
        this.expectedTransferLength = expectedTransferLength;
        this.taskAttribute = taskAttribute;
        this.taskTag = taskTag;
        this.writeProtected = writeProtected;
        this.dataOut = dataOut;
        this.receivedNanos = receivedNanos;
    }

    public ItNexus nexus() { return nexus; }

    public long lun() { return lun; }

    public byte[] cdb() { return cdb; }

    public int opcode() { return cdb[0] & 0xff; }

    public int expectedTransferLength() { return expectedTransferLength; }

    public TaskAttribute taskAttribute() { return taskAttribute; }

    public int taskTag() { return taskTag; }

    public boolean writeProtected() { return writeProtected; }

    public ByteBuf dataOut() { return dataOut; }

    public long receivedNanos() { return receivedNanos; }

    /** SAM task attributes, in the iSCSI ATTR field's encoding order. */
    public enum TaskAttribute { UNTAGGED, SIMPLE, ORDERED, HEAD_OF_QUEUE, ACA }
}
