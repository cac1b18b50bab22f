package io.mooring.target.scsi;

import io.mooring.target.scsi.sense.Sense;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/** Builders for the responses command handlers return. */
public final class Responses {

    private static final ScsiResponse RESERVATION_CONFLICT = new ScsiResponse(ScsiResponse.RESERVATION_CONFLICT, null, null);

    private Responses() {
    }

    public static ScsiResponse checkCondition(Sense sense) {
        return new ScsiResponse(ScsiResponse.CHECK_CONDITION, sense.toFixedFormat(), null);
    }

    public static ScsiResponse reservationConflict() {
        return RESERVATION_CONFLICT;
    }

    /** Parameter data cut to the CDB's ALLOCATION LENGTH, in a pooled direct buffer. */
    public static ScsiResponse parameterData(byte[] data, int length, long allocationLength) {
        int sent = (int) Math.min(length, allocationLength);
        if (sent == 0) {
            return ScsiResponse.good();
        }
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(sent);
        buf.writeBytes(data, 0, sent);
        return ScsiResponse.good(new DataIn.Buffer(buf));
    }

    public static ScsiResponse parameterData(byte[] data, long allocationLength) {
        return parameterData(data, data.length, allocationLength);
    }
}
