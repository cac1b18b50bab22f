package io.mooring.export;

import java.util.Map;
import java.util.Set;

/**
 * Makes a volume reachable by an initiator. The attachment service calls it; the iSCSI wiring
 * ({@code TargetEngineExporter}) implements it. The database stays the truth: implementations hold
 * only what they can rebuild from {@link ExportGrant}s.
 */
public interface VolumeExporter {

    /** Exports the volume's backing store to grant.initiatorIqn() with the grant's CHAP account; idempotent per attachment. Throws ExportException if it cannot. Blocking, fast; call it off the event loop. */
    void export(ExportGrant grant);

    /** Revokes the attachment's account and drops its sessions; unexports the volume when no grant remains. Idempotent. Blocking, fast. */
    void revoke(String volumeId, String chapUser);

    /**
     * The volume's backing store grew: its LU re-reads the size and tells every logged-in initiator (unit attention
     * CAPACITY DATA HAS CHANGED). Nothing when the volume is not exported (a later export opens it at its new size).
     * Throws ExportException if the size cannot be read. Blocking, fast.
     */
    void capacityChanged(String volumeId);

    /** What is exported now: the CHAP users granted, by volume id (a copy). */
    Map<String, Set<String>> exported();

    /** The connection endpoint for a volume: target IQN and "host:port" portal. */
    String targetIqn(String volumeId);

    String portal();
}
