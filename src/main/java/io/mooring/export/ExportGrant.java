package io.mooring.export;

import java.nio.file.Path;

/**
 * One attachment's right to reach one volume: the initiator it was granted to and the CHAP account
 * generated for that attachment.
 */
public record ExportGrant(
        String volumeId,
        Path backingPath,
        boolean rawDevice,
        String initiatorIqn,
        String chapUser,
        String chapSecret,
        boolean readOnly) {

    /** Never prints the CHAP secret: grants end up in log lines and exception messages. */
    @Override
    public String toString() {
        return "ExportGrant[volumeId=" + volumeId + ", backingPath=" + backingPath + ", rawDevice=" + rawDevice
                + ", initiatorIqn=" + initiatorIqn + ", chapUser=" + chapUser + ", chapSecret=****, readOnly=" + readOnly + "]";
    }
}
