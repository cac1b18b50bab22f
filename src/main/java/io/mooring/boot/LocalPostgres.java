package io.mooring.boot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A PostgreSQL server that Mooring creates, starts and owns under its data directory, for when no external database
 * is configured. It uses the PostgreSQL binaries installed on the machine (Debian's postgresql-15, found under
 * {@code /usr/lib/postgresql/<version>/bin} or on the PATH), because those come from the OS's security updates and cost
 * nothing to ship; a Maven-delivered PostgreSQL would put ~100 MB of native code inside the single binary.
 *
 * <p>It listens on 127.0.0.1 only, on a free port, with a generated password (no Unix socket). Run as root, the server
 * runs as the {@code postgres} user (PostgreSQL refuses root). Its postmaster is started with a parent-death signal
 * tied to a keeper thread of this JVM, so even {@code kill -9} of Mooring takes the server down with it; the next start
 * runs PostgreSQL's own crash recovery. A server already running on the same directory is reused.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalPostgres.class.getName());
    private static final String USER = "mooring";
    private static final String DATABASE = "postgres";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SMART_STOP_GRACE = Duration.ofSeconds(5);

    private final Path home;
    private final Path binDir;
    private final int port;
    private final String password;
    private final long pid;
    private final Process process;

    private LocalPostgres(Path home, Path binDir, int port, String password, long pid, Process process) {
        this.home = home;
        this.binDir = binDir;
        this.port = port;
        this.password = password;
        this.pid = pid;
        this.process = process;
    }

    /** Creates the cluster on first use, then starts it (or adopts the one already running there) and waits until it accepts connections. */
    public static LocalPostgres start(Path home) {
        try {
            Path binDir = findBinaries();
            Files.createDirectories(home);
            Path dataDir = home.resolve("data");
            String password = passwordOf(home);
            boolean asRoot = Posix.isRoot();
            if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
                initCluster(binDir, home, dataDir, password, asRoot);
            }
            Optional<RunningServer> running = RunningServer.readFrom(dataDir);
            if (running.isPresent()) {
                LOG.info(() -> "Reusing the local PostgreSQL already running on port " + running.get().port());
                return new LocalPostgres(home, binDir, running.get().port(), password, running.get().pid(), null);
            }
            int port = freeLoopbackPort();
            Process process = launch(binDir, home, dataDir, port, asRoot);
            RunningServer server = awaitReady(dataDir, process);
            LOG.info(() -> "Started the local PostgreSQL on 127.0.0.1:" + port + " (data in " + dataDir + ")");
            return new LocalPostgres(home, binDir, port, password, server.pid(), process);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the local PostgreSQL under " + home + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    /** Quarkus datasource settings that point at this server. */
    public Map<String, String> datasourceProperties() {
        return Map.of(
                "quarkus.datasource.username", USER,
                "quarkus.datasource.password", password,
                "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + port + "/" + DATABASE,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE);
    }

    /** Smart shutdown first (lets the pool's connections finish), then fast shutdown; waits until the server is gone. */
    @Override
    public void close() {
        ProcessHandle.of(pid).ifPresent(server -> {
            signal(pid, "TERM");
            if (!awaitExit(server, SMART_STOP_GRACE)) {
                signal(pid, "INT");
                awaitExit(server, Duration.ofSeconds(30));
            }
        });
        if (process != null) {
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Path findBinaries() {
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getenv("MOORING_POSTGRES_BIN")).map(Path::of).ifPresent(candidates::add);
        Path versions = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(versions)) {
            try (var stream = Files.list(versions)) {
                stream.sorted((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()))
                        .map(v -> v.resolve("bin"))
                        .forEach(candidates::add);
            } catch (IOException ignored) {
                // fall through to PATH
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir));
            }
        }
        return candidates.stream()
                .filter(dir -> Files.isExecutable(dir.resolve("postgres")) && Files.isExecutable(dir.resolve("initdb")))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "No PostgreSQL found: install PostgreSQL 15 (apt-get install postgresql-15), set MOORING_POSTGRES_BIN,"
                                + " or configure an external database with QUARKUS_DATASOURCE_REACTIVE_URL."));
    }

    private static String passwordOf(Path home) throws IOException {
        Path file = home.resolve("password");
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Posix.writeOwnerOnly(file, password);
        return password;
    }

    private static void initCluster(Path binDir, Path home, Path dataDir, String password, boolean asRoot) throws IOException {
        Path staging = home.resolve("data.initdb");
        Posix.deleteTree(staging);
        Files.createDirectories(staging);
        // initdb reads the superuser password from a file; it must be readable by the server's user, so it lives inside
        // the (owner-only) staging directory and is deleted right after.
        Path pwfile = staging.resolve(".pwfile");
        Files.writeString(pwfile, password, StandardCharsets.US_ASCII);
        if (asRoot) {
            Posix.chownTree(staging, "postgres");
        }
        Path cluster = staging.resolve("data");
        List<String> command = List.of(binDir.resolve("initdb").toString(), "-D", cluster.toString(), "-U", USER,
                "--pwfile=" + pwfile, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync");
        run(asRoot ? Posix.asUser("postgres", command) : command, home.resolve("initdb.log"));
        Files.delete(pwfile);
        // Created aside and moved into place so an interrupted initdb never leaves a half cluster behind.
        Files.move(cluster, dataDir);
        Posix.deleteTree(staging);
    }

    private static Process launch(Path binDir, Path home, Path dataDir, int port, boolean asRoot) throws IOException {
        List<String> postgres = List.of(binDir.resolve("postgres").toString(), "-D", dataDir.toString(),
                "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                "-c", "max_connections=100",
                // WAL between checkpoints stays under the space reserve (mooring.space.postgres-reserve, 256M by default), so
                // the released reserve always holds it on a full disk; recycled, zero-filled segments (the defaults) need no room.
                "-c", "max_wal_size=192MB");
        // setpriv ties the postmaster's life to the keeper thread below (PR_SET_PDEATHSIG): if this JVM dies, even by
        // kill -9, the kernel sends SIGTERM to PostgreSQL. As root it also switches to the postgres user first.
        List<String> command = new ArrayList<>(Posix.asUserWithParentDeathSignal(asRoot ? "postgres" : null, "TERM"));
        command.addAll(postgres);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("postgres.log").toFile()));
        Process[] started = new Process[1];
        IOException[] failure = new IOException[1];
        // The parent-death signal fires when the *thread* that forked the server ends, so a dedicated daemon thread
        // forks it and then lives exactly as long as the server does.
        Thread keeper = new Thread(() -> {
            Process process;
            synchronized (started) {
                try {
                    process = builder.start();
                    started[0] = process;
                } catch (IOException e) {
                    failure[0] = e;
                    return;
                } finally {
                    started.notifyAll();
                }
            }
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "local-postgres-keeper");
        keeper.setDaemon(true);
        synchronized (started) {
            keeper.start();
            while (started[0] == null && failure[0] == null) {
                try {
                    started.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while starting PostgreSQL", e);
                }
            }
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return started[0];
    }

    private static RunningServer awaitReady(Path dataDir, Process process) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("PostgreSQL exited with status " + process.exitValue()
                        + " during start; see postgres.log beside its data directory");
            }
            Optional<RunningServer> server = RunningServer.readFrom(dataDir);
            if (server.isPresent() && server.get().pid() == process.pid()) {
                return server.get();
            }
            sleep(Duration.ofMillis(50));
        }
        process.destroyForcibly();
        throw new IOException("PostgreSQL did not become ready within " + START_TIMEOUT.toSeconds() + " s");
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void run(List<String> command, Path log) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException(command.get(0) + " failed; see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void signal(long pid, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            LOG.warning("Could not signal PostgreSQL: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean awaitExit(ProcessHandle server, Duration timeout) {
        try {
            server.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !server.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !server.isAlive();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What {@code postmaster.pid} says about a live, ready server: line 1 the pid, line 4 the port, line 8 the status. */
    private record RunningServer(long pid, int port) {
        static Optional<RunningServer> readFrom(Path dataDir) {
            Path pidFile = dataDir.resolve("postmaster.pid");
            try {
                List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
                if (lines.size() < 8 || !lines.get(7).trim().equals("ready")) {
                    return Optional.empty();
                }
                long pid = Long.parseLong(lines.get(0).trim());
                boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                return alive ? Optional.of(new RunningServer(pid, Integer.parseInt(lines.get(3).trim()))) : Optional.empty();
            } catch (IOException | NumberFormatException e) {
                return Optional.empty();
            }
        }
    }
}
