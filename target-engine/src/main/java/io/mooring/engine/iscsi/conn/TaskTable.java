package io.mooring.engine.iscsi.conn;

import io.mooring.engine.iscsi.pdu.Opcodes;
import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One connection's tasks by initiator task tag, and the tags of tasks aborted lately (their late Data-Out is
 * dropped quietly instead of rejected). Event loop only.
 */
final class TaskTable {

    private final IntObjectHashMap<IscsiTask> tasks = new IntObjectHashMap<>();
    private final int[] recentlyAborted = new int[64];
    private int abortedCursor;
    private int serial;

    TaskTable() {
        Arrays.fill(recentlyAborted, Opcodes.RESERVED_TAG);
    }

    IscsiTask get(int itt) {
        return tasks.get(itt);
    }

    boolean contains(int itt) {
        return tasks.containsKey(itt);
    }

    void add(IscsiTask task) {
        tasks.put(task.initiatorTaskTag, task);
    }

    /** Removes {@code task} if it is still the one under its tag. */
    void remove(IscsiTask task) {
        if (tasks.get(task.initiatorTaskTag) == task) {
            tasks.remove(task.initiatorTaskTag);
        }
    }

    /** A serial number per task, for its R2Ts' target transfer tags. */
    int nextSerial() {
        return ++serial;
    }

    List<IscsiTask> snapshot() {
        return new ArrayList<>(tasks.values());
    }

    /**
     * Aborts one task: one still gathering data ends now; one in the SCSI layer ends when it returns, and then
     * counts down {@code wait} (if any).
     */
    void abort(IscsiTask task, TaskManagementWait wait) {
        if (task.aborted) {
            return;
        }
        task.aborted = true;
        rememberAborted(task.initiatorTaskTag);
        if (task.executing) {
            if (wait != null) {
                task.abortWait = wait;
                wait.pending++;
            }
        } else {
            tasks.remove(task.initiatorTaskTag);
            task.releaseDataOut();
        }
    }

    /** Aborts every task on {@code lun} ({@link Connection#ALL_LUNS}: on every LUN). */
    void abortAll(long lun, TaskManagementWait wait) {
        for (IscsiTask task : snapshot()) {
            if (lun == Connection.ALL_LUNS || task.lun == lun) {
                abort(task, wait);
            }
        }
    }

    void rememberAborted(int itt) {
        recentlyAborted[abortedCursor++ & (recentlyAborted.length - 1)] = itt;
    }

    boolean recentlyAborted(int itt) {
        for (int tag : recentlyAborted) {
            if (tag == itt) {
                return true;
            }
        }
        return false;
    }

    /** The connection is gone: tasks in the SCSI layer release what it returns, the others their data now. */
    void releaseAll() {
        for (IscsiTask task : tasks.values()) {
            if (task.executing) {
                task.aborted = true;
            } else {
                task.releaseDataOut();
            }
        }
        tasks.clear();
    }
}
