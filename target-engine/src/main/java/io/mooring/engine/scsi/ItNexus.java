package io.mooring.engine.scsi;

/**
 * The I_T nexus a command arrives on (SAM-5): one initiator port talking to one target port.
 * The SCSI layer keys reservations, registrations and unit attentions on it; it never sees the session itself.
 *
 * @param initiatorName the initiator's iSCSI name
 * @param isid          the 48-bit initiator session id, which together with the name forms the initiator port
 * @param targetName    the target's iSCSI name
 * @param portalGroupTag the target portal group the session logged in through
 */
public record ItNexus(String initiatorName, long isid, String targetName, int portalGroupTag) {

    /** The SCSI initiator port name as SPC-4 and iSCSI spell it: {@code <name>,i,0x<isid>}. */
    public String initiatorPortName() {
        return initiatorName + ",i,0x" + String.format("%012x", isid);
    }

    /** The SCSI target port name: {@code <name>,t,0x<tpgt>}. */
    public String targetPortName() {
        return targetName + ",t,0x" + String.format("%04x", portalGroupTag);
    }
}
