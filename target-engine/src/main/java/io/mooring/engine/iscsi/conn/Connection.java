package io.mooring.engine.iscsi.conn;

import io.mooring.engine.iscsi.login.OperationalParameters;
import io.mooring.engine.iscsi.pdu.RejectPdu;
import io.mooring.engine.iscsi.pdu.TargetPdu;
import io.mooring.engine.iscsi.session.IscsiSession;
import io.mooring.engine.iscsi.session.SessionConnection;
import io.mooring.engine.scsi.DataIn;
import io.mooring.engine.scsi.ScsiResponse;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * What the full feature stage's handlers of one connection share: its session, the negotiated parameters, the
 * tasks in flight, whether it is closing, and the way out. Everything is written through the channel, so every
 * PDU passes the whole outbound pipeline (Data-In splitting, sequence numbers, codec). Flushes are batched: one
 * at the end of a read (responses to a whole batch of commands leave in one writev), one per event loop turn for
 * what completes outside a read. Event loop only, except {@link #abortTasksOf(long)}.
 */
final class Connection implements SessionConnection {

    /** {@link #abortTasksOf(long)}: every LUN. */
    static final long ALL_LUNS = -1;

    final Channel channel;
    final IscsiSession session;
    final OperationalParameters params;
    final TaskTable tasks = new TaskTable();
    private boolean closing;
    private int nextTransferTag = 1;
    private boolean reading;
    private boolean flushPending;
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushNow;

    Connection(Channel channel, IscsiSession session, OperationalParameters params) {
        this.channel = channel;
        this.session = session;
        this.params = params;
    }

    /** After a logout, a fatal protocol error or loss of the connection: nothing more is answered. */
    boolean closing() {
        return closing;
    }

    ByteBufAllocator alloc() {
        return channel.alloc();
    }

    void send(TargetPdu pdu) {
        channel.write(pdu, channel.voidPromise());
        flushSoon();
    }

    /** Sends a finished task's Data-In and status ({@link ReadTransfer} splits it) and counts it. */
    void respond(IscsiTask task) {
        DataIn dataIn = task.response().dataIn();
        int available = dataIn == null ? 0 : dataIn.length();
        int read = Math.min(available, task.read ? task.expectedLength : 0);
        session.commandDone(task.write ? task.received : 0, read, task.response().status() != ScsiResponse.GOOD);
        channel.write(task, channel.voidPromise());
        task.statusSent();
        flushSoon();
    }

    /** The first stage saw a PDU: what is sent until {@link #readComplete()} leaves in one flush. */
    void readStarted() {
        reading = true;
    }

    void readComplete() {
        reading = false;
        if (flushPending) {
            flushPending = false;
            channel.flush();
        }
    }

    private void flushSoon() {
        if (reading) {
            flushPending = true;
        } else if (!flushScheduled) {
            // completions outside a read: one flush for all that land in this event loop turn
            flushScheduled = true;
            channel.eventLoop().execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        channel.flush();
    }

    void sendAndClose(TargetPdu pdu) {
        closing = true;
        channel.writeAndFlush(pdu).addListener(ChannelFutureListener.CLOSE);
    }

    void reject(byte[] header, int reason) {
        session.protocolError();
        send(new RejectPdu(reason, header));
    }

    void rejectAndClose(byte[] header, int reason) {
        session.protocolError();
        sendAndClose(new RejectPdu(reason, header));
    }

    void close() {
        closing = true;
        channel.close();
    }

    /** Marks the connection gone (its channel is inactive). */
    void closed() {
        closing = true;
    }

    /** A target transfer tag for NOP-In pings and text continuations: never 0, never the reserved 0xffffffff. */
    int nextTransferTag() {
        int tag = nextTransferTag++ & 0x7fffffff;
        return tag == 0 ? nextTransferTag++ : tag;
    }

    /**
     * A reset or cleared task set of another session ends this connection's tasks on that LUN: dropped on this
     * connection's event loop, without responses (the initiator gets a unit attention instead).
     */
    @Override
    public void abortTasksOf(long lun) {
        channel.eventLoop().execute(() -> {
            if (!closing) {
                tasks.abortAll(lun, null);
            }
        });
    }
}
