package io.mooring.engine.iscsi.session;

/** What a session needs of the connection serving it, besides its channel. */
public interface SessionConnection {

    /** Ends the connection's tasks on {@code lun} (-1: every LUN) without responses; any thread. */
    void abortTasksOf(long lun);
}
