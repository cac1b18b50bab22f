package io.mooring.engine.iscsi.node;

import io.mooring.engine.SessionInfo;
import io.mooring.engine.scsi.ItNexus;

/**
 * What a target needs of a session logged in to it: who it is, how to end it (reinstatement, revocation) and how
 * to end its tasks when another initiator resets a LUN. The session layer implements it; the target never
 * depends on it.
 */
public interface NodeSession {

    String initiatorName();

    long isid();

    int tsih();

    String chapUser();

    ItNexus nexus();

    /** True for the one caller that gets to tear this session down. */
    boolean end();

    /** Drops the session's connection; any thread. */
    void close();

    /** Ends the session's tasks on {@code lun} (-1: every LUN) without responses; any thread. */
    void abortTasksOf(long lun);

    SessionInfo info();
}
