package io.mooring.engine.iscsi.conn;

import io.mooring.engine.scsi.ScsiCommand;
import io.mooring.engine.scsi.ScsiCompletion;
import io.mooring.engine.scsi.ScsiResponse;
import io.mooring.engine.scsi.lun.LunCounters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.EventLoop;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * One SCSI command of a connection, from its SCSI Command PDU until its status is sent: the Data-Out being
 * gathered and the R2T bookkeeping. Also the completion the SCSI layer calls: it carries the response back onto
 * the connection's event loop without a lambda per command. Once answered it is also the message that
 * {@link ReadTransfer} turns into Data-In and status PDUs.
 */
final class IscsiTask implements ScsiCompletion, Runnable {

    private final Consumer<IscsiTask> onCompletion;
    private final EventLoop eventLoop;

    final int initiatorTaskTag;
    final int serial;
    final long lunField;
    final long lun;
    final int expectedLength;
    final boolean read;
    final boolean write;
    /**
     * When the SCSI Command PDU arrived: the start of the command's latency, and the line between unit attentions
     * this command reports and those raised after it was received.
     */
    final long arrivalNanos = System.nanoTime();

    ByteBuf dataOut;
    int received;
    boolean unsolicitedOpen;
    int expectedDataSn;
    int burstReceived;
    int r2tSn;
    int oldestR2tSn;
    int outstandingR2ts;
    int nextR2tOffset;

    byte[] cdb;
    ScsiCommand.TaskAttribute attribute;
    boolean executing;
    boolean completed;
    boolean aborted;
    TaskManagementWait abortWait;
    private ScsiResponse response;
    /** The counters of the LU that took the command, or null (refused before the SCSI layer, or no such LU). */
    private LunCounters counters;

    IscsiTask(Consumer<IscsiTask> onCompletion, EventLoop eventLoop, int initiatorTaskTag, int serial, long lunField,
              long lun, int expectedLength, boolean read, boolean write) {
        this.onCompletion = onCompletion;
        this.eventLoop = eventLoop;
        this.initiatorTaskTag = initiatorTaskTag;
        this.serial = serial;
        this.lunField = lunField;
        this.lun = lun;
        this.expectedLength = expectedLength;
        this.read = read;
        this.write = write;
    }

    /** The TTT of this task's R2T number {@code sn}: never the reserved 0xffffffff. */
    int transferTag(int sn) {
        return (serial << 8 | sn & 0xff) & 0x7fffffff;
    }

    ScsiResponse response() {
        return response;
    }

    /** Answers without the SCSI layer (the command was refused before it got there). */
    void response(ScsiResponse refusal) {
        this.response = refusal;
    }

    /** The Data-Out will come in several segments: {@link #dataOut} becomes the composite that gathers them. */
    void startGathering(ByteBufAllocator alloc) {
        // unbounded: a composite at its bound consolidates, i.e. copies everything gathered so far
        dataOut = alloc.compositeDirectBuffer(Integer.MAX_VALUE);
    }

    /**
     * Appends one received data segment by reference, no copy: the segment's memory (the decoder's read buffers)
     * is written to the medium from there, component by component.
     */
    void gather(ByteBuf segment) {
        if (segment.isReadable()) {
            ((CompositeByteBuf) dataOut).addComponent(true, segment.retainedSlice());
        }
    }

    void releaseDataOut() {
        if (dataOut != null) {
            dataOut.release();
            dataOut = null;
        }
    }

    @Override
    public void admitted(LunCounters lunCounters) {
        this.counters = lunCounters;
    }

    /** Its status was handed to the channel: the end of its latency. */
    void statusSent() {
        if (counters != null) {
            counters.completed(cdb[0], System.nanoTime() - arrivalNanos);
            counters = null;
        }
    }

    /** It ends without a status (aborted, connection closing). */
    void abandoned() {
        if (counters != null) {
            counters.abandoned();
            counters = null;
        }
    }

    @Override
    public void complete(ScsiResponse result) {
        this.response = result;
        if (eventLoop.inEventLoop()) {
            run();
            return;
        }
        try {
            eventLoop.execute(this);
        } catch (RejectedExecutionException engineStopped) {
            // the connection's event loop is gone: nobody will send this response, free what it holds
            releaseDataOut();
            if (result.dataIn() != null) {
                result.dataIn().release();
            }
        }
    }

    @Override
    public void run() {
        onCompletion.accept(this);
    }
}
