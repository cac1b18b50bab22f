package io.mooring.engine.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/** Login Response (RFC 7143 11.13). */
public final class LoginResponse extends TargetPdu {

    private final boolean transit;
    private final int currentStage;
    private final int nextStage;
    private final long isid;
    private final int tsih;
    private final int initiatorTaskTag;
    private final int statusClass;
    private final int statusDetail;

    public LoginResponse(boolean transit, int currentStage, int nextStage, long isid, int tsih, int initiatorTaskTag,
                         int status, ByteBuf data) {
        super(data);
        this.transit = transit;
        this.currentStage = currentStage;
        this.nextStage = nextStage;
        this.isid = isid;
        this.tsih = tsih;
        this.initiatorTaskTag = initiatorTaskTag;
        this.statusClass = status >>> 8;
        this.statusDetail = status & 0xff;
    }

    @Override
    public int opcode() {
        return Opcodes.LOGIN_RESPONSE;
    }

    public boolean transit() {
        return transit;
    }

    public int currentStage() {
        return currentStage;
    }

    public int nextStage() {
        return nextStage;
    }

    public int tsih() {
        return tsih;
    }

    /** Status-Class and Status-Detail as one number, e.g. 0x0201. */
    public int status() {
        return statusClass << 8 | statusDetail;
    }

    @Override
    protected void encodeFields(ByteBuf out, int start) {
        int flags = (transit ? 0x80 : 0) | currentStage << 2 | (transit ? nextStage : 0);
        out.setByte(start + 1, flags);
        out.setShort(start + 8, (int) (isid >>> 32));
        out.setInt(start + 10, (int) isid);
        out.setShort(start + 14, tsih);
        out.setInt(start + 16, initiatorTaskTag);
        out.setByte(start + 36, statusClass);
        out.setByte(start + 37, statusDetail);
    }
}
