package io.mooring.boot;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Keeps the embedded PostgreSQL ({@link LocalPostgres}) running. One thread forks the postmaster and waits for its exit,
 * so a death is noticed the moment it happens; it then ends what is left of the old server, restarts it on the same port
 * (PostgreSQL runs its own crash recovery) with back-off, and keeps trying. The reactive pool reconnects by itself once
 * the server is back. Each state change is logged once.
 *
 * <p>{@link #state()} is what the rest of the appliance reads (API 503s, health).
 */
public final class PostgresSupervisor implements AutoCloseable {

    /** The embedded database's state; {@link #GAVE_UP} means recovery has failed for longer than the give-up time. */
    public enum State { UP, DOWN, RESTARTING, GAVE_UP }

    private static final Logger LOG = Logger.getLogger(PostgresSupervisor.class.getName());
    private static final Duration FIRST_BACK_OFF = Duration.ofMillis(250);
    private static final Duration MAX_BACK_OFF = Duration.ofSeconds(5);
    /** Until Quarkus hands over {@code mooring.database.give-up-after} (see {@link #giveUpAfter(Duration)}). */
    private static final Duration DEFAULT_GIVE_UP_AFTER = Duration.ofMinutes(2);

    private static volatile PostgresSupervisor embedded;

    private final LocalPostgres cluster;
    private final CompletableFuture<Void> firstStart = new CompletableFuture<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final Thread thread;
    private volatile State state = State.DOWN;
    private volatile Duration giveUpAfter = DEFAULT_GIVE_UP_AFTER;
    private Process server;
    private boolean stopping;

    private PostgresSupervisor(LocalPostgres cluster) {
        this.cluster = cluster;
        this.thread = new Thread(this::supervise, "postgres-supervisor");
        this.thread.setDaemon(true);
    }

    /**
     * Prepares the cluster under {@code home}, starts it and returns once it accepts connections; a first start that
     * fails is a start-up failure of the appliance, reported with its cause.
     */
    public static PostgresSupervisor start(Path home) {
        PostgresSupervisor supervisor = new PostgresSupervisor(LocalPostgres.prepare(home));
        supervisor.thread.start();
        try {
            supervisor.firstStart.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not start the local PostgreSQL under " + home + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the local PostgreSQL", e);
        }
        embedded = supervisor;
        return supervisor;
    }

    /** The supervisor of this process's embedded PostgreSQL; empty when an external database is configured. */
    public static Optional<PostgresSupervisor> embedded() {
        return Optional.ofNullable(embedded);
    }

    public State state() {
        return state;
    }

    /** How long recovery may keep failing before the state turns {@link State#GAVE_UP} (liveness DOWN). */
    public void giveUpAfter(Duration duration) {
        giveUpAfter = duration;
    }

    public Map<String, String> datasourceProperties() {
        return cluster.datasourceProperties();
    }

    /** Fast shutdown of the server; no restart follows. */
    @Override
    public void close() {
        Process running;
        synchronized (this) {
            stopping = true;
            running = server;
        }
        stopRequested.countDown();
        if (embedded == this) {
            embedded = null;
        }
        if (running != null && running.isAlive()) {
            LocalPostgres.stop(running.toHandle());
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void supervise() {
        try {
            int leftovers = cluster.endLeftovers();
            if (leftovers > 0) {
                LOG.info(() -> "Ended " + leftovers + " PostgreSQL processes of an earlier run on " + cluster.dataDir());
            }
            startServer();
        } catch (IOException | RuntimeException e) {
            firstStart.completeExceptionally(e);
            return;
        }
        LOG.info(() -> "Started the local PostgreSQL on 127.0.0.1:" + cluster.port() + " (data in " + cluster.dataDir() + ")");
        state = State.UP;
        firstStart.complete(null);
        while (awaitServerExit()) {
            recover();
        }
    }

    /** Blocks until the server exits; false when that was a requested stop. */
    private boolean awaitServerExit() {
        Process current;
        synchronized (this) {
            current = server;
        }
        int status;
        while (true) {
            try {
                status = current.waitFor();
                break;
            } catch (InterruptedException e) {
                // only close() may end this thread, and it does so by stopping the server
            }
        }
        synchronized (this) {
            if (stopping) {
                return false;
            }
        }
        int exitStatus = status;
        LOG.warning(() -> "PostgreSQL (pid " + current.pid() + ") exited with status " + exitStatus
                + "; the API answers 503 until it is back");
        state = State.DOWN;
        return true;
    }

    /** Restarts the server until it runs again or Mooring stops; tells of the first failure and of giving up once. */
    private void recover() {
        long downSince = System.nanoTime();
        Duration backOff = FIRST_BACK_OFF;
        boolean failureLogged = false;
        LOG.info("Restarting the local PostgreSQL (crash recovery)");
        state = State.RESTARTING;
        while (true) {
            try {
                cluster.endLeftovers();
                if (!startServer()) {
                    return;
                }
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downSince);
                LOG.info(() -> "The local PostgreSQL recovered " + millis + " ms after it went down");
                state = State.UP;
                return;
            } catch (IOException | RuntimeException e) {
                if (isStopping()) {
                    return;
                }
                if (!failureLogged) {
                    LOG.warning("The local PostgreSQL did not restart (" + e.getMessage()
                            + "); retrying with back-off up to " + MAX_BACK_OFF.toSeconds() + " s, quietly");
                    failureLogged = true;
                }
            }
            if (state != State.GAVE_UP && System.nanoTime() - downSince > giveUpAfter.toNanos()) {
                LOG.severe("The local PostgreSQL has not recovered for " + giveUpAfter.toSeconds()
                        + " s; liveness is DOWN (still retrying)");
                state = State.GAVE_UP;
            }
            try {
                if (stopRequested.await(backOff.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                // only close() ends this thread
            }
            backOff = backOff.multipliedBy(2).compareTo(MAX_BACK_OFF) > 0 ? MAX_BACK_OFF : backOff.multipliedBy(2);
        }
    }

    /** Launches the postmaster from this thread and waits until it is ready; false if Mooring is stopping. */
    private boolean startServer() throws IOException {
        Process launched;
        synchronized (this) {
            if (stopping) {
                return false;
            }
            launched = cluster.launch();
            server = launched;
        }
        cluster.awaitReady(launched);
        return true;
    }

    private synchronized boolean isStopping() {
        return stopping;
    }
}
