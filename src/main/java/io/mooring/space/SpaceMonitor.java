package io.mooring.space;

import io.mooring.boot.MooringConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Reads the data directory's filesystem every {@code mooring.space.check-interval} on its own thread (a statvfs, never
 * on the event loop) and keeps the appliance's space state. Under {@code emergency-free} it enters the low-space state:
 * volume writes answer 07/27/07 ({@link SpaceGuardedBackend}), mutating API calls 503 ({@link LowSpaceFilter}), and the
 * {@link SpaceReserve} is released so PostgreSQL can still write its WAL. Once the reserve fits again with twice
 * {@code emergency-free} to spare, it is written back and the state clears by itself. One log line per change.
 */
@Singleton
public class SpaceMonitor {

    private static final Logger LOG = Logger.getLogger(SpaceMonitor.class);
    private static final long MIB = 1L << 20;

    /** One reading of the filesystem: its size and what an unprivileged writer (PostgreSQL) may still allocate. */
    public record Sample(long totalBytes, long usableBytes) {
    }

    private final MooringConfig.Space settings;
    private final Path dataDir;
    private final SpaceReserve reserve;
    private FileStore store;
    private ScheduledExecutorService timer;
    private volatile Sample last;
    private volatile boolean low;
    /** The last reserve or filesystem problem logged, so each is logged once and not every second. */
    private String problem;

    public SpaceMonitor(MooringConfig config) {
        this.settings = config.space();
        this.dataDir = config.dataDir().toAbsolutePath();
        this.reserve = new SpaceReserve(dataDir, settings.postgresReserve().asLongValue());
    }

    void onStart(@Observes StartupEvent event) throws IOException {
        Files.createDirectories(dataDir);
        store = Files.getFileStore(dataDir);
        last = read();
        timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "mooring-space-monitor");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::check, 0, settings.checkInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** True while the filesystem is (nearly) full: nothing that allocates space is accepted. */
    public boolean low() {
        return low;
    }

    /** The latest reading, at most one check interval old. */
    public Sample last() {
        return last;
    }

    public long reserveBytes() {
        return reserve.bytes();
    }

    void check() {
        try {
            Sample now = read();
            long emergency = settings.emergencyFree().asLongValue();
            if (!low && now.usableBytes() < emergency) {
                low = true;
                last = now;
                String released = releaseReserve();
                LOG.warnf("Low on space: %d MiB free of %d MiB in %s (under mooring.space.emergency-free, %d MiB)%s; volume writes"
                        + " answer SPACE ALLOCATION FAILED and mutating API calls 503 until %d MiB are free again",
                        now.usableBytes() / MIB, now.totalBytes() / MIB, dataDir, emergency / MIB, released,
                        (reserve.bytes() + 2 * emergency) / MIB);
                return;
            }
            if (!reserve.held()) {
                if (now.usableBytes() >= reserve.bytes() + 2 * emergency) {
                    reserve.hold();
                    now = read();
                    solved();
                } else if (!low) {
                    problem("No room for the PostgreSQL reserve (" + reserve.bytes() / MIB + " MiB) in " + dataDir
                            + ": it needs twice mooring.space.emergency-free on top; written once space allows");
                }
            }
            last = now;
            if (low && now.usableBytes() >= 2 * emergency) {
                low = false;
                LOG.infof("Space recovered: %d MiB free of %d MiB in %s%s; volume writes and API calls are accepted again",
                        now.usableBytes() / MIB, now.totalBytes() / MIB, dataDir,
                        reserve.held() ? "" : " (no room yet for the PostgreSQL reserve)");
            }
        } catch (IOException | RuntimeException e) {
            problem("Space check of " + dataDir + " failed: " + e);
        }
    }

    private String releaseReserve() {
        try {
            if (reserve.bytes() == 0 || !reserve.held()) {
                return "";
            }
            reserve.release();
            return ", released the PostgreSQL reserve (" + reserve.bytes() / MIB + " MiB)";
        } catch (IOException e) {
            return ", could not release the PostgreSQL reserve (" + e + ")";
        }
    }

    private Sample read() throws IOException {
        return new Sample(store.getTotalSpace(), store.getUsableSpace());
    }

    private void problem(String message) {
        if (!Objects.equals(message, problem)) {
            problem = message;
            LOG.error(message);
        }
    }

    private void solved() {
        if (problem != null) {
            LOG.infof("Space check of %s works again; the PostgreSQL reserve (%d MiB) is in place", dataDir, reserve.bytes() / MIB);
            problem = null;
        }
    }
}
