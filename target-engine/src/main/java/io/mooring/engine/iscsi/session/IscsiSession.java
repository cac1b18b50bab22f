package io.mooring.engine.iscsi.session;

import io.mooring.engine.AccessGrant;
import io.mooring.engine.SessionInfo;
import io.mooring.engine.iscsi.conn.IscsiConnection;
import io.mooring.engine.iscsi.node.TargetNode;
import io.mooring.engine.scsi.ItNexus;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One iSCSI session (one connection: MaxConnections=1). Its counters are written only by the connection's event
 * loop and read by anyone; {@link #end()} decides once who tears the session down (logout, connection loss,
 * reinstatement or revocation).
 */
public final class IscsiSession {

    /** Commands the initiator may have queued: the CmdSN window is ExpCmdSN .. ExpCmdSN + depth - 1. */
    public static final int COMMAND_WINDOW = 128;

    private final TargetNode node;
    private final ItNexus nexus;
    private final String initiatorName;
    private final long isid;
    private final int tsih;
    private final AccessGrant grant;
    private final Channel channel;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile IscsiConnection connection;

    private int expCmdSn;

    private volatile long commands;
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile long errors;

    /** @param node the target, or null for a discovery session */
    public IscsiSession(TargetNode node, String initiatorName, long isid, int tsih, AccessGrant grant,
                        int portalGroupTag, Channel channel, int initialCmdSn) {
        this.node = node;
        this.initiatorName = initiatorName;
        this.isid = isid;
        this.tsih = tsih;
        this.grant = grant;
        this.channel = channel;
        this.nexus = node == null ? null : new ItNexus(initiatorName, isid, node.name(), portalGroupTag);
        this.expCmdSn = initialCmdSn;
    }

    public boolean discovery() {
        return node == null;
    }

    public TargetNode node() {
        return node;
    }

    public ItNexus nexus() {
        return nexus;
    }

    public String initiatorName() {
        return initiatorName;
    }

    public long isid() {
        return isid;
    }

    public int tsih() {
        return tsih;
    }

    public AccessGrant grant() {
        return grant;
    }

    public String chapUser() {
        return grant.chapUser();
    }

    public boolean readOnly() {
        return grant.readOnly();
    }

    public Channel channel() {
        return channel;
    }

    /** The connection serving this session (one per session); touch it only on its channel's event loop. */
    public IscsiConnection connection() {
        return connection;
    }

    public void connection(IscsiConnection connection) {
        this.connection = connection;
    }

    // --- CmdSN window (event loop only) ---

    public int expCmdSn() {
        return expCmdSn;
    }

    public int maxCmdSn() {
        return expCmdSn + COMMAND_WINDOW - 1;
    }

    public boolean inWindow(int cmdSn) {
        return SerialNumbers.inWindow(cmdSn, expCmdSn, maxCmdSn());
    }

    public void advanceCmdSn() {
        expCmdSn++;
    }

    // --- counters (event loop writes) ---

    public void commandDone(int bytesWritten, int bytesRead, boolean error) {
        commands++;
        if (bytesWritten != 0) {
            bytesIn += bytesWritten;
        }
        if (bytesRead != 0) {
            bytesOut += bytesRead;
        }
        if (error) {
            errors++;
        }
    }

    public void protocolError() {
        errors++;
    }

    // --- lifecycle ---

    /** True for the one caller that gets to tear this session down. */
    public boolean end() {
        return ended.compareAndSet(false, true);
    }

    public boolean ended() {
        return ended.get();
    }

    /** Drops the connection; the connection's inactive handler ends the session. */
    public void close() {
        channel.close();
    }

    public SessionInfo info() {
        return new SessionInfo(nexus == null ? null : nexus.targetName(), initiatorName, String.format("%012x", isid),
                tsih, grant.chapUser(), String.valueOf(channel.remoteAddress()).replaceFirst("^/", ""),
                commands, bytesIn, bytesOut, errors);
    }
}
