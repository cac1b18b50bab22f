package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** Task Management Function Response (RFC 7143 11.6). */
public final class TaskManagementResponse extends TargetPdu {

    public static final int FUNCTION_COMPLETE = 0;
    public static final int TASK_DOES_NOT_EXIST = 1;
    public static final int LUN_DOES_NOT_EXIST = 2;
    public static final int TASK_STILL_ALLEGIANT = 3;
    public static final int REASSIGNMENT_NOT_SUPPORTED = 4;
    public static final int FUNCTION_NOT_SUPPORTED = 5;
    public static final int AUTHORIZATION_FAILED = 6;
    public static final int FUNCTION_REJECTED = 255;

    private final int initiatorTaskTag;
    private final int response;

    public TaskManagementResponse(int initiatorTaskTag, int response) {
        super(null);
        this.initiatorTaskTag = initiatorTaskTag;
        this.response = response;
    }

    @Override
    public int opcode() {
        return Opcodes.TASK_MANAGEMENT_RESPONSE;
    }

    public int response() {
        return response;
    }

    @Override
    protected void encodeFields(ByteBuf out, int start) {
        out.setByte(start + 1, 0x80);
        out.setByte(start + 2, response);
        out.setInt(start + 16, initiatorTaskTag);
    }
}
