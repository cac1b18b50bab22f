package io.mooring.engine.scsi;

import io.mooring.engine.scsi.sense.Sense;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/** Builders for the responses command handlers return. */
public final class Responses {

    private static final ScsiResponse RESERVATION_CONFLICT = new ScsiResponse(ScsiResponse.RESERVATION_CONFLICT, null, null);
    private static final ScsiResponse TASK_SET_FULL = new ScsiResponse(ScsiResponse.TASK_SET_FULL, null, null);

    /**
     * GOOD, but only once every write completed so far is durable: the dispatcher hands it to the LU's group commit,
     * which flushes off the caller's thread and then completes the command. Recognised by identity.
     */
    public static final ScsiResponse GOOD_WHEN_DURABLE = new ScsiResponse(ScsiResponse.GOOD, null, null);

    private Responses() {
    }

    /** GOOD, after a flush when {@code durable} (FUA, write-through, SYNCHRONIZE CACHE). */
    public static ScsiResponse good(boolean durable) {
        return durable ? GOOD_WHEN_DURABLE : ScsiResponse.good();
    }

    public static ScsiResponse checkCondition(Sense sense) {
        return new ScsiResponse(ScsiResponse.CHECK_CONDITION, sense.toFixedFormat(), null);
    }

    public static ScsiResponse reservationConflict() {
        return RESERVATION_CONFLICT;
    }

    /** The command could not get the memory it needs now; the initiator retries later. */
    public static ScsiResponse taskSetFull() {
        return TASK_SET_FULL;
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
