package io.mooring.engine.iscsi.node;

import io.mooring.engine.AccessGrant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jctools.maps.NonBlockingHashMap;

/** All targets of one portal, by IQN, plus what the portal tells initiators (its address and group tag). */
public final class TargetRegistry {

    private final NonBlockingHashMap<String, TargetNode> targets = new NonBlockingHashMap<>();
    private final AtomicInteger nextTsih = new AtomicInteger();
    private final int portalGroupTag;
    private volatile String advertisedPortal;
    private final LoginCounters untargetedLogins = new LoginCounters();

    public TargetRegistry(int portalGroupTag, String advertisedPortal) {
        this.portalGroupTag = portalGroupTag;
        this.advertisedPortal = advertisedPortal;
    }

    public int portalGroupTag() {
        return portalGroupTag;
    }

    public String advertisedPortal() {
        return advertisedPortal;
    }

    public void advertisedPortal(String portal) {
        this.advertisedPortal = portal;
    }

    /** Logins that ended without a target of this portal: discovery sessions, unknown or missing target names. */
    public LoginCounters untargetedLogins() {
        return untargetedLogins;
    }

    public TargetNode find(String iqn) {
        return targets.get(iqn);
    }

    public TargetNode findOrCreate(String iqn, Function<String, TargetNode> factory) {
        TargetNode node = targets.get(iqn);
        if (node != null) {
            return node;
        }
        TargetNode created = factory.apply(iqn);
        TargetNode raced = targets.putIfAbsent(iqn, created);
        return raced != null ? raced : created;
    }

    public TargetNode remove(String iqn) {
        return targets.remove(iqn);
    }

    public Collection<TargetNode> nodes() {
        return targets.values();
    }

    /** Grants anywhere that name this CHAP user and admit this initiator: the accounts a discovery login may use. */
    public List<AccessGrant> discoveryGrants(String chapUser, String initiatorName) {
        List<AccessGrant> found = new ArrayList<>();
        for (TargetNode node : targets.values()) {
            AccessGrant grant = node.grantFor(chapUser, initiatorName);
            if (grant != null) {
                found.add(grant);
            }
        }
        return found;
    }

    /** Whether some target admits this initiator at all. */
    public boolean knowsInitiator(String initiatorName) {
        for (TargetNode node : targets.values()) {
            if (node.admitsInitiator(initiatorName)) {
                return true;
            }
        }
        return false;
    }

    /** A fresh nonzero 16-bit TSIH. */
    public int newTsih() {
        int tsih;
        do {
            tsih = nextTsih.incrementAndGet() & 0xffff;
        } while (tsih == 0);
        return tsih;
    }
}
