package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** Task Management Function Request (RFC 7143 11.5). */
public final class TaskManagementRequest extends InitiatorPdu {

    public TaskManagementRequest(byte[] header, ByteBuf data) {
        super(header, data);
    }

    @Override
    public int opcode() {
        return Opcodes.TASK_MANAGEMENT_REQUEST;
    }

    public static final int ABORT_TASK = 1;
    public static final int ABORT_TASK_SET = 2;
    public static final int CLEAR_ACA = 3;
    public static final int CLEAR_TASK_SET = 4;
    public static final int LOGICAL_UNIT_RESET = 5;
    public static final int TARGET_WARM_RESET = 6;
    public static final int TARGET_COLD_RESET = 7;
    public static final int TASK_REASSIGN = 8;

    public int function() {
        return header()[1] & 0x7f;
    }

    public int referencedTaskTag() {
        return Bhs.getInt(header(), 20);
    }

    public int cmdSn() {
        return Bhs.getInt(header(), 24);
    }

    public int refCmdSn() {
        return Bhs.getInt(header(), 32);
    }
}
