package io.mooring.engine.iscsi.conn;

import io.mooring.engine.iscsi.node.NodeSession;
import io.mooring.engine.iscsi.pdu.Bhs;
import io.mooring.engine.iscsi.pdu.TaskManagementRequest;
import io.mooring.engine.iscsi.pdu.TaskManagementResponse;
import io.mooring.engine.iscsi.session.CommandWindow;
import io.mooring.engine.iscsi.session.IscsiSession;
import io.mooring.engine.iscsi.session.SerialNumbers;
import io.mooring.engine.scsi.ScsiDevice;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * Task management functions (RFC 7143 11.5): aborts here, resets and cleared task sets also in the other sessions
 * of the target, and the response held back until every aborted task has left the SCSI layer.
 */
final class TaskManagement {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(TaskManagement.class);

    private final Connection connection;
    private final IscsiSession session;
    private final TaskTable tasks;

    TaskManagement(Connection connection) {
        this.connection = connection;
        this.session = connection.session;
        this.tasks = connection.tasks;
    }

    void onRequest(TaskManagementRequest request) {
        int function = request.function();
        int itt = request.initiatorTaskTag();
        ScsiDevice device = session.node().device();
        long lun = Bhs.decodeLun(request.lunField());
        TaskManagementWait wait;
        try {
            switch (function) {
                case TaskManagementRequest.ABORT_TASK: {
                    IscsiTask task = tasks.get(request.referencedTaskTag());
                    if (task == null) {
                        // not here: either done already (does not exist) or not arrived yet (RFC 7143 11.5.1)
                        CommandWindow window = session.window();
                        boolean pending = SerialNumbers.inWindow(request.refCmdSn(), window.expCmdSn(),
                                window.maxCmdSn());
                        respond(itt, pending ? TaskManagementResponse.FUNCTION_COMPLETE
                                : TaskManagementResponse.TASK_DOES_NOT_EXIST);
                        return;
                    }
                    wait = new TaskManagementWait(itt, TaskManagementResponse.FUNCTION_COMPLETE, false);
                    tasks.abort(task, wait);
                    break;
                }
                case TaskManagementRequest.ABORT_TASK_SET:
                case TaskManagementRequest.CLEAR_TASK_SET:
                case TaskManagementRequest.LOGICAL_UNIT_RESET:
                    if (!mapped(device, lun)) {
                        respond(itt, TaskManagementResponse.LUN_DOES_NOT_EXIST);
                        return;
                    }
                    wait = new TaskManagementWait(itt, TaskManagementResponse.FUNCTION_COMPLETE, false);
                    tasks.abortAll(lun, wait);
                    if (function == TaskManagementRequest.LOGICAL_UNIT_RESET) {
                        abortInOtherSessions(lun);
                        device.lunReset(lun, session.nexus());
                    } else {
                        boolean clear = function == TaskManagementRequest.CLEAR_TASK_SET;
                        if (clear) {
                            abortInOtherSessions(lun); // one task set shared by all initiators
                        }
                        device.taskSetCleared(lun, session.nexus(), clear);
                    }
                    break;
                case TaskManagementRequest.TARGET_WARM_RESET:
                case TaskManagementRequest.TARGET_COLD_RESET: {
                    boolean cold = function == TaskManagementRequest.TARGET_COLD_RESET;
                    wait = new TaskManagementWait(itt, TaskManagementResponse.FUNCTION_COMPLETE, cold);
                    tasks.abortAll(Connection.ALL_LUNS, wait);
                    abortInOtherSessions(Connection.ALL_LUNS);
                    device.targetReset(session.nexus());
                    break;
                }
                case TaskManagementRequest.TASK_REASSIGN:
                    respond(itt, TaskManagementResponse.REASSIGNMENT_NOT_SUPPORTED);
                    return;
                default:
                    respond(itt, TaskManagementResponse.FUNCTION_NOT_SUPPORTED);
                    return;
            }
        } catch (RuntimeException e) {
            LOG.warn("task management function {} failed", function, e);
            respond(itt, TaskManagementResponse.FUNCTION_REJECTED);
            return;
        }
        if (wait.pending == 0) {
            finish(wait);
        }
    }

    private static boolean mapped(ScsiDevice device, long lun) {
        for (long mapped : device.mappedLuns()) {
            if (mapped == lun) {
                return true;
            }
        }
        return false;
    }

    /**
     * A reset or cleared task set also ends other initiators' tasks on that LUN (or every LUN): each of their
     * connections drops them on its own event loop, without responses (those initiators get a unit attention).
     */
    private void abortInOtherSessions(long lun) {
        for (NodeSession other : session.node().sessions()) {
            if (other != session) {
                other.abortTasksOf(lun);
            }
        }
    }

    /** An aborted task that {@code wait} waits for has left the SCSI layer. */
    void abortFinished(TaskManagementWait wait) {
        if (--wait.pending == 0) {
            finish(wait);
        }
    }

    private void finish(TaskManagementWait wait) {
        if (connection.closing()) {
            return;
        }
        if (wait.closeAfter) {
            // TARGET COLD RESET: answer, then drop the connection (RFC 7143 11.5.1)
            connection.sendAndClose(new TaskManagementResponse(wait.initiatorTaskTag, wait.response));
        } else {
            respond(wait.initiatorTaskTag, wait.response);
        }
    }

    private void respond(int itt, int response) {
        connection.send(new TaskManagementResponse(itt, response));
    }
}
