package io.mooring.export;

import io.mooring.boot.MooringConfig;
import io.mooring.engine.AccessGrant;
import io.mooring.engine.EngineConfig;
import io.mooring.engine.LoginThrottling;
import io.mooring.engine.TargetEngine;
import io.mooring.engine.scsi.bdev.BlockBackend;
import io.mooring.engine.scsi.bdev.FileBackend;
import io.mooring.engine.scsi.bdev.RawDeviceBackend;
import io.mooring.space.SpaceGuardedBackend;
import io.mooring.space.SpaceMonitor;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Exports volumes through the embedded iSCSI engine: one target per volume ({@code <prefix>:volume-<id>}), its backing
 * store as LUN 0, and one CHAP grant per attachment. The engine's tables are derived state: the database is the truth,
 * and {@link #start(Collection)} rebuilds them from it before the portal accepts a login.
 */
@ApplicationScoped
public class TargetEngineExporter implements VolumeExporter {

    private static final Logger LOG = Logger.getLogger(TargetEngineExporter.class);
    private static final long LUN = 0;

    private final MooringConfig config;
    private final SpaceMonitor space;
    /** The CHAP users granted on each exported volume; a volume is unexported when its last grant goes. */
    private final Map<String, Set<String>> grantsByVolume = new ConcurrentHashMap<>();
    private volatile TargetEngine engine;
    private volatile String portal;

    public TargetEngineExporter(MooringConfig config, SpaceMonitor space) {
        this.config = config;
        this.space = space;
    }

    /** Starts the portal with {@code grants} already in place, so no initiator ever sees a half-rebuilt table. */
    public synchronized void start(Collection<ExportGrant> grants) {
        MooringConfig.Iscsi iscsi = config.iscsi();
        String advertisedHost = iscsi.advertisedAddress().orElseGet(TargetEngineExporter::firstNonLoopbackAddress);
        MooringConfig.LoginThrottle throttle = iscsi.loginThrottle();
        EngineConfig engineConfig = EngineConfig.defaults().withListen(iscsi.host(), iscsi.port())
                .withLoginThrottle(new LoginThrottling(throttle.enabled(), throttle.threshold(), throttle.window(),
                        throttle.delay(), throttle.initialBackoff(), throttle.maxBackoff()));
        if (iscsi.port() != 0) {
            engineConfig = engineConfig.withAdvertisedPortal(advertisedHost + ":" + iscsi.port());
        }
        engine = TargetEngine.start(engineConfig, starting -> grants.forEach(grant -> restore(starting, grant)));
        portal = advertisedHost + ":" + engine.localAddress().getPort();
        LOG.infof("iSCSI portal listening on %s (advertised as %s), %d attachment(s) re-exported",
                engine.localAddress(), portal, exported().values().stream().mapToInt(Set::size).sum());
    }

    public synchronized void stop() {
        if (engine != null) {
            engine.close();
            engine = null;
            grantsByVolume.clear();
        }
    }

    public boolean isRunning() {
        return engine != null;
    }

    public TargetEngine engine() {
        return engine;
    }

    @Override
    public void export(ExportGrant grant) {
        exportTo(runningEngine(), grant);
    }

    @Override
    public void revoke(String volumeId, String chapUser) {
        TargetEngine target = runningEngine();
        grantsByVolume.compute(volumeId, (volume, users) -> {
            String iqn = targetIqn(volume);
            target.revoke(iqn, chapUser);
            if (users == null) {
                // never exported (e.g. an attachment left in error_attaching): nothing else to undo
                return null;
            }
            users.remove(chapUser);
            if (users.isEmpty()) {
                target.removeTarget(iqn);
                return null;
            }
            return users;
        });
    }

    @Override
    public void capacityChanged(String volumeId) {
        TargetEngine target = engine;
        if (target == null) {
            return; // a stopped target serves nobody; when it starts it opens the file at its new size
        }
        // under the volume's entry, so that no export or revoke of it runs meanwhile
        grantsByVolume.computeIfPresent(volumeId, (volume, users) -> {
            try {
                if (target.capacityChanged(targetIqn(volume), LUN)) {
                    LOG.infof("Volume %s: the target reports its new capacity to %d grant(s)", volume, users.size());
                }
            } catch (IOException e) {
                throw new ExportException("cannot read the new size of volume " + volume + ": " + e.getMessage(), e);
            }
            return users;
        });
    }

    @Override
    public Map<String, Set<String>> exported() {
        Map<String, Set<String>> copy = new HashMap<>();
        for (String volumeId : grantsByVolume.keySet()) {
            grantsByVolume.computeIfPresent(volumeId, (volume, users) -> {
                copy.put(volume, Set.copyOf(users));
                return users;
            });
        }
        return copy;
    }

    @Override
    public String targetIqn(String volumeId) {
        return config.iscsi().iqnPrefix() + ":volume-" + volumeId;
    }

    @Override
    public String portal() {
        return portal;
    }

    /** A grant whose backing store cannot be opened is left out (reconciliation then marks it error_attaching). */
    private void restore(TargetEngine target, ExportGrant grant) {
        try {
            exportTo(target, grant);
        } catch (ExportException e) {
            LOG.errorf("Not re-exported: %s", e.getMessage());
        }
    }

    private void exportTo(TargetEngine target, ExportGrant grant) {
        grantsByVolume.compute(grant.volumeId(), (volume, users) -> {
            String iqn = targetIqn(volume);
            Set<String> granted = users;
            if (granted == null) {
                target.map(iqn, LUN, volume, open(grant));
                granted = new HashSet<>();
            }
            target.grant(iqn, AccessGrant.of(grant.chapUser(), grant.chapSecret(), Set.of(grant.initiatorIqn()), grant.readOnly())
                    .withMinimumChap(config.iscsi().chapMinimum()));
            granted.add(grant.chapUser());
            return granted;
        });
    }

    private BlockBackend open(ExportGrant grant) {
        try {
            return grant.rawDevice() ? RawDeviceBackend.open(grant.backingPath(), false)
                    : SpaceGuardedBackend.guard(FileBackend.open(grant.backingPath(), false), space);
        } catch (IOException e) {
            throw new ExportException("cannot open the backing store of volume " + grant.volumeId() + ": " + e.getMessage(), e);
        }
    }

    private TargetEngine runningEngine() {
        TargetEngine running = engine;
        if (running == null) {
            throw new ExportException("the iSCSI target is not running");
        }
        return running;
    }

    private static String firstNonLoopbackAddress() {
        try {
            return NetworkInterface.networkInterfaces()
                    .filter(TargetEngineExporter::isUp)
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress())
                    .map(InetAddress::getHostAddress)
                    .findFirst()
                    .orElse("127.0.0.1");
        } catch (SocketException e) {
            return "127.0.0.1";
        }
    }

    private static boolean isUp(NetworkInterface nic) {
        try {
            return nic.isUp() && !nic.isLoopback();
        } catch (SocketException e) {
            return false;
        }
    }
}
