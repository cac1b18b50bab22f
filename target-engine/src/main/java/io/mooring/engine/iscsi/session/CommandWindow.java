package io.mooring.engine.iscsi.session;

/**
 * A session's CmdSN window (RFC 7143 4.2.2.1): ExpCmdSN .. ExpCmdSN + {@link #DEPTH} - 1. Written only by the
 * connection's event loop.
 */
public final class CommandWindow {

    /** Commands the initiator may have queued. */
    public static final int DEPTH = 128;

    private int expCmdSn;

    public CommandWindow(int expCmdSn) {
        this.expCmdSn = expCmdSn;
    }

    public int expCmdSn() {
        return expCmdSn;
    }

    public int maxCmdSn() {
        return expCmdSn + DEPTH - 1;
    }

    public boolean inWindow(int cmdSn) {
        return SerialNumbers.inWindow(cmdSn, expCmdSn, maxCmdSn());
    }

    public void advance() {
        expCmdSn++;
    }
}
