package io.mooring.target.scsi;

import io.mooring.target.scsi.bdev.BlockBackend;

/**
 * The SCSI side of one target: its LUN table and the entry point for commands and task management.
 * The iSCSI transport holds one per target node and calls nothing else of the SCSI layer.
 *
 * <p>CONTRACT SKELETON written by the lead so both halves compile; the SCSI layer owner replaces the bodies.
 */
public final class ScsiDevice {

    /** Maps {@code backend} as {@code lun}; {@code deviceId} (e.g. the volume id) seeds the LUN's stable NAA id and serial. */
    public void map(long lun, String deviceId, BlockBackend backend) {
        throw new UnsupportedOperationException("SCSI layer not written yet");
    }

    /** Unmaps {@code lun}; commands already running finish, new ones get LOGICAL UNIT NOT SUPPORTED. */
    public void unmap(long lun) {
        throw new UnsupportedOperationException("SCSI layer not written yet");
    }

    /** Runs one command; {@code done} is called exactly once, possibly on another thread. */
    public void execute(ScsiCommand command, ScsiCompletion done) {
        throw new UnsupportedOperationException("SCSI layer not written yet");
    }

    /** LOGICAL UNIT RESET from {@code by}: clears SPC-2 reservations and raises a unit attention for every nexus. */
    public void lunReset(long lun, ItNexus by) {
        throw new UnsupportedOperationException("SCSI layer not written yet");
    }

    /** TARGET WARM/COLD RESET from {@code by}: a LUN reset of every LUN. */
    public void targetReset(ItNexus by) {
        throw new UnsupportedOperationException("SCSI layer not written yet");
    }

    /** CLEAR TASK SET / ABORT TASK SET from {@code by} on {@code lun}: other nexuses get COMMANDS CLEARED BY ANOTHER INITIATOR. */
    public void taskSetCleared(long lun, ItNexus by, boolean otherNexusesToo) {
        throw new UnsupportedOperationException("SCSI layer not written yet");
    }

    /** A nexus appeared (session login): it gets a POWER ON/RESET unit attention on first access, as SAM requires. */
    public void nexusAdded(ItNexus nexus) {
        throw new UnsupportedOperationException("SCSI layer not written yet");
    }

    /** A nexus ended (session closed): SPC-2 reservations it held are released; PR registrations persist. */
    public void nexusRemoved(ItNexus nexus) {
        throw new UnsupportedOperationException("SCSI layer not written yet");
    }

    /** Unmaps every LUN and closes their backends. */
    public void close() {
        throw new UnsupportedOperationException("SCSI layer not written yet");
    }
}
