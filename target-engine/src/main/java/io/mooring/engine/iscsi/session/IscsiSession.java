package io.mooring.engine.iscsi.session;

import io.mooring.engine.AccessGrant;
import io.mooring.engine.SessionInfo;
import io.mooring.engine.iscsi.node.NodeSession;
import io.mooring.engine.iscsi.node.TargetNode;
import io.mooring.engine.scsi.ItNexus;
import io.netty.channel.Channel;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One iSCSI session (one connection: MaxConnections=1). Its counters are written only by the connection's event
 * loop and read by anyone; {@link #end()} decides once who tears the session down (logout, connection loss,
 * reinstatement or revocation).
 */
public final class IscsiSession implements NodeSession {

    private final TargetNode node;
    private final ItNexus nexus;
    private final String initiatorName;
    private final long isid;
    private final int tsih;
    private final AccessGrant grant;
    private final Channel channel;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final CommandWindow window;
    private volatile SessionConnection connection;
    private final Instant loggedInAt = Instant.now();

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
        this.window = new CommandWindow(initialCmdSn);
    }

    public boolean discovery() {
        return node == null;
    }

    public TargetNode node() {
        return node;
    }

    @Override
    public ItNexus nexus() {
        return nexus;
    }

    @Override
    public String initiatorName() {
        return initiatorName;
    }

    @Override
    public long isid() {
        return isid;
    }

    @Override
    public int tsih() {
        return tsih;
    }

    public AccessGrant grant() {
        return grant;
    }

    @Override
    public String chapUser() {
        return grant.chapUser();
    }

    public boolean readOnly() {
        return grant.readOnly();
    }

    /** The connection serving this session (one per session). */
    public void connection(SessionConnection connection) {
        this.connection = connection;
    }

    @Override
    public void abortTasksOf(long lun) {
        SessionConnection serving = connection;
        if (serving != null) {
            serving.abortTasksOf(lun);
        }
    }

    /** The CmdSN window (event loop only). */
    public CommandWindow window() {
        return window;
    }

    /** The block size of a mapped LUN of this session's target, or 0 (none, or discovery). */
    public int blockSize(long lun) {
        return node == null ? 0 : node.blockSize(lun);
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

    @Override
    public boolean end() {
        return ended.compareAndSet(false, true);
    }

    public boolean ended() {
        return ended.get();
    }

    /** Drops the connection; the connection's inactive handler ends the session. */
    @Override
    public void close() {
        channel.close();
    }

    @Override
    public SessionInfo info() {
        return new SessionInfo(nexus == null ? null : nexus.targetName(), initiatorName, String.format("%012x", isid),
                tsih, grant.chapUser(), String.valueOf(channel.remoteAddress()).replaceFirst("^/", ""),
                commands, bytesIn, bytesOut, errors, loggedInAt);
    }
}
