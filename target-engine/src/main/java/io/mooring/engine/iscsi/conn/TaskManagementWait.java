package io.mooring.engine.iscsi.conn;

/**
 * A task management response held back until every task it aborted has left the SCSI layer (RFC 7143 4.2.3.5:
 * no response for an aborted task may follow the function's response).
 */
final class TaskManagementWait {

    final int initiatorTaskTag;
    final int response;
    final boolean closeAfter;
    int pending;

    TaskManagementWait(int initiatorTaskTag, int response, boolean closeAfter) {
        this.initiatorTaskTag = initiatorTaskTag;
        this.response = response;
        this.closeAfter = closeAfter;
    }
}
