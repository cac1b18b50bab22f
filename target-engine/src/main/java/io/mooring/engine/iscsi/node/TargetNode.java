package io.mooring.engine.iscsi.node;

import io.mooring.engine.AccessGrant;
import io.mooring.engine.ChapAlgorithm;
import io.mooring.engine.scsi.ScsiDevice;
import io.mooring.engine.scsi.bdev.BlockBackend;
import java.util.ArrayList;
import java.util.List;
import org.jctools.maps.NonBlockingHashMap;
import org.jctools.maps.NonBlockingHashMapLong;

/**
 * A target: its name, its SCSI device (the LUNs), who may log in (grants by CHAP user) and who is logged in
 * (sessions by TSIH). Lookups never lock: the login path and the admin API share lock-free maps.
 */
public final class TargetNode {

    private final String name;
    private final ScsiDevice device;
    private final NonBlockingHashMap<String, AccessGrant> grants = new NonBlockingHashMap<>();
    private final NonBlockingHashMapLong<NodeSession> sessions = new NonBlockingHashMapLong<>();
    private final NonBlockingHashMapLong<Integer> blockSizes = new NonBlockingHashMapLong<>();
    private final LoginCounters logins = new LoginCounters();

    public TargetNode(String name, ScsiDevice device) {
        this.name = name;
        this.device = device;
    }

    public String name() {
        return name;
    }

    public ScsiDevice device() {
        return device;
    }

    /** Normal-session logins to this target that ended, by outcome. */
    public LoginCounters logins() {
        return logins;
    }

    /** Maps a LUN in the SCSI device and remembers its block size (for write residuals). */
    public void map(long lun, String deviceId, BlockBackend backend) {
        device.map(lun, deviceId, backend);
        blockSizes.put(lun, Integer.valueOf(backend.blockSize()));
    }

    public void unmap(long lun) {
        blockSizes.remove(lun);
        device.unmap(lun);
    }

    /** The block size of a mapped LUN, or 0. */
    public int blockSize(long lun) {
        Integer size = blockSizes.get(lun);
        return size == null ? 0 : size;
    }

    public void grant(AccessGrant grant) {
        grants.put(grant.chapUser(), grant);
    }

    /** The grant of {@code chapUser}, whoever it admits, or null. */
    public AccessGrant grantOf(String chapUser) {
        return grants.get(chapUser);
    }

    /** The grant of {@code chapUser} if it admits {@code initiatorName}, else null. */
    public AccessGrant grantFor(String chapUser, String initiatorName) {
        AccessGrant grant = grants.get(chapUser);
        return grant != null && grant.admits(initiatorName) ? grant : null;
    }

    /** The strongest minimum CHAP algorithm among the grants that admit {@code initiatorName}. */
    public ChapAlgorithm strictestChapMinimum(String initiatorName) {
        ChapAlgorithm strictest = ChapAlgorithm.MD5;
        for (AccessGrant grant : grants.values()) {
            if (grant.admits(initiatorName) && grant.minimumChap().atLeast(strictest)) {
                strictest = grant.minimumChap();
            }
        }
        return strictest;
    }

    /** Whether any grant names this initiator (checked before authentication: 0x0202 otherwise). */
    public boolean admitsInitiator(String initiatorName) {
        for (AccessGrant grant : grants.values()) {
            if (grant.admits(initiatorName)) {
                return true;
            }
        }
        return false;
    }

    /** Removes the grant and drops every session that logged in with it; returns how many. */
    public int revoke(String chapUser) {
        grants.remove(chapUser);
        int closed = 0;
        for (NodeSession session : sessions.values()) {
            if (session.chapUser().equals(chapUser)) {
                session.close();
                closed++;
            }
        }
        return closed;
    }

    /** Removes every grant and drops every session. */
    public int revokeAll() {
        grants.clear();
        int closed = 0;
        for (NodeSession session : sessions.values()) {
            session.close();
            closed++;
        }
        return closed;
    }

    /**
     * Registers a session that completed its login. A session of the same initiator port (name + ISID) is
     * reinstated (RFC 7143 6.3.5): it is ended and its connection closed first.
     */
    public void admit(NodeSession session) {
        for (NodeSession old : sessions.values()) {
            if (old.isid() == session.isid() && old.initiatorName().equals(session.initiatorName())) {
                release(old);
                old.close();
            }
        }
        sessions.put(session.tsih(), session);
        device.nexusAdded(session.nexus());
    }

    /** Ends a session once, whoever asks first: unregisters it and tells the SCSI layer its nexus is gone. */
    public void release(NodeSession session) {
        if (session.end()) {
            sessions.remove(session.tsih(), session);
            device.nexusRemoved(session.nexus());
        }
    }

    public List<NodeSession> sessions() {
        return new ArrayList<>(sessions.values());
    }
}
