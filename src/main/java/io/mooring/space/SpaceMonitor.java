package io.mooring.space;

import io.mooring.boot.MooringConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Keeps the appliance's space state. It reads the data directory's filesystem every {@code mooring.space.check-interval}
 * on its own thread (a statvfs). Under {@code emergency-free} it enters the low-space state:
 * volume writes answer 07/27/07 ({@link SpaceGuardedBackend}), mutating API calls 503 ({@link LowSpaceFilter}), and the
 * {@link SpaceReserve} is released so PostgreSQL can still write its WAL. Once the reserve fits again with twice
 * {@code emergency-free} to spare, it is written back and the state clears by itself. One log line per change.
 *
 * <p>Between readings, volume writes spend a budget (the last reading's free space above {@code emergency-free}); a
 * write that finds it spent reads the filesystem again itself (one statvfs, about 2 µs, on the thread that runs the
 * write, an event loop included), so no writer, however fast, gets under {@code emergency-free} before the state
 * changes.
 */
@Singleton
public class SpaceMonitor {

    private static final Logger LOG = Logger.getLogger(SpaceMonitor.class);
    private static final long MIB = 1L << 20;

    /** One reading of the filesystem: its size and what an unprivileged writer (PostgreSQL) may still allocate. */
    public record Sample(long totalBytes, long usableBytes) {
    }

    private final MooringConfig.Space settings;
    private final long emergencyFree;
    private final Path dataDir;
    private final SpaceReserve reserve;
    private final AtomicLong writeBudget = new AtomicLong();
    /** A volume write was refused for want of room since the last check: the low-space state begins. */
    private final AtomicBoolean writeRefused = new AtomicBoolean();
    private final Object rereading = new Object();
    private FileStore store;
    private ScheduledExecutorService timer;
    private volatile Sample last;
    private volatile boolean low;
    /** The last reserve or filesystem problem logged, so each is logged once and not every second. */
    private String problem;

    public SpaceMonitor(MooringConfig config) {
        this.settings = config.space();
        this.emergencyFree = settings.emergencyFree().asLongValue();
        this.dataDir = config.dataDir().toAbsolutePath();
        this.reserve = new SpaceReserve(dataDir, settings.postgresReserve().asLongValue());
    }

    /** Before the iSCSI portal starts (ExportLifecycle, priority 100): re-exported LUNs write through the budget at once. */
    void onStart(@Observes @Priority(50) StartupEvent event) throws IOException {
        Files.createDirectories(dataDir);
        store = Files.getFileStore(dataDir);
        last = read();
        writeBudget.set(last.usableBytes() - emergencyFree);
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

    /** For the data path: may a volume write of {@code bytes} go ahead? Cheap unless the budget is spent. */
    boolean admitsWrite(int bytes) {
        if (low) {
            return false;
        }
        return writeBudget.addAndGet(-bytes) >= 0 || rereadFor(bytes);
    }

    private boolean rereadFor(int bytes) {
        synchronized (rereading) {
            try {
                long margin = read().usableBytes() - emergencyFree - bytes;
                writeBudget.set(margin);
                if (margin >= 0) {
                    return true;
                }
            } catch (IOException e) {
                return true; // the monitor's own check reports it
            }
            if (writeRefused.compareAndSet(false, true) && timer != null) {
                timer.execute(this::check);
            }
            return false;
        }
    }

    void check() {
        try {
            Sample now = read();
            boolean refused = writeRefused.getAndSet(false);
            if (!low && (refused || now.usableBytes() < emergencyFree)) {
                low = true;
                String released = releaseReserve();
                last = read();
                LOG.warnf("Low on space: %d MiB free of %d MiB in %s (mooring.space.emergency-free is %d MiB)%s; volume writes"
                        + " answer SPACE ALLOCATION FAILED and mutating API calls 503 until %d MiB are free again",
                        now.usableBytes() / MIB, now.totalBytes() / MIB, dataDir, emergencyFree / MIB, released,
                        (reserve.bytes() + 2 * emergencyFree) / MIB);
                return;
            }
            if (!reserve.held()) {
                if (now.usableBytes() >= reserve.bytes() + 2 * emergencyFree) {
                    writeBudget.set(now.usableBytes() - reserve.bytes() - emergencyFree);
                    reserve.hold();
                    now = read();
                    solved();
                } else if (!low) {
                    problem("No room for the PostgreSQL reserve (" + reserve.bytes() / MIB + " MiB) in " + dataDir
                            + ": it needs twice mooring.space.emergency-free on top; written once space allows");
                }
            }
            last = now;
            if (!low) {
                writeBudget.set(now.usableBytes() - emergencyFree);
            } else if (reserve.held() && now.usableBytes() >= 2 * emergencyFree) {
                writeBudget.set(now.usableBytes() - emergencyFree);
                low = false;
                LOG.infof("Space recovered: %d MiB free of %d MiB in %s, the PostgreSQL reserve is back; volume writes and API"
                        + " calls are accepted again", now.usableBytes() / MIB, now.totalBytes() / MIB, dataDir);
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
            LOG.infof("The PostgreSQL reserve (%d MiB) is in place in %s", reserve.bytes() / MIB, dataDir);
            problem = null;
        }
    }
}
