package io.mooring.boot;

import io.mooring.fs.DurableFiles;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The PostgreSQL cluster that Mooring creates and owns under its data directory, for when no external database is
 * configured: where it lives, how its postmaster is launched, awaited and stopped. {@link PostgresSupervisor} decides
 * when. It uses the PostgreSQL binaries installed on the machine (Debian's postgresql-15, found under
 * {@code /usr/lib/postgresql/<version>/bin} or on the PATH), because those come from the OS's security updates and cost
 * nothing to ship; a Maven-delivered PostgreSQL would put ~100 MB of native code inside the single binary.
 *
 * <p>It listens on 127.0.0.1 only, on a port chosen once per Mooring process (restarts reuse it: the datasource URL is
 * fixed at boot), with a generated password and no Unix socket.
 *
 * <p>Permissions: run as root, PostgreSQL runs as the {@code postgres} user (it refuses root), which may not be able to
 * walk the path to Mooring's data directory (root's home is 0700). So {@code initdb} and {@code postgres} never get a
 * path: a shell started as root opens the cluster's directory as descriptor 3 and then drops to {@code postgres}, which
 * reaches the cluster through {@code /proc/self/fd/3}. The cluster's own files belong to {@code postgres}; nothing else
 * under the data directory does. Not run as root, PostgreSQL simply runs as the invoking user, the same way.
 */
public final class LocalPostgres {

    private static final Logger LOG = Logger.getLogger(LocalPostgres.class.getName());
    private static final String USER = "mooring";
    private static final String DATABASE = "postgres";
    /** The cluster as PostgreSQL sees it: the directory descriptor its launcher opened (see the class comment). */
    private static final String CLUSTER_FD = "/proc/self/fd/3";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration LEFTOVER_GRACE = Duration.ofSeconds(10);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final Path home;
    private final Path binDir;
    private final Path dataDir;
    private final boolean asRoot;
    private final int port;
    private final String password;

    private LocalPostgres(Path home, Path binDir, Path dataDir, boolean asRoot, int port, String password) {
        this.home = home;
        this.binDir = binDir;
        this.dataDir = dataDir;
        this.asRoot = asRoot;
        this.port = port;
        this.password = password;
    }

    /** Finds the binaries, creates the cluster on first use and picks the port; starts nothing. */
    static LocalPostgres prepare(Path home) {
        try {
            Path binDir = findBinaries();
            Files.createDirectories(home);
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
            Path dataDir = home.resolve("data");
            String password = passwordOf(home);
            boolean asRoot = Posix.isRoot();
            if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
                initCluster(binDir, home, dataDir, password, asRoot);
            }
            return new LocalPostgres(home, binDir, dataDir.toRealPath(), asRoot, freeLoopbackPort(), password);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare the local PostgreSQL under " + home + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    Path dataDir() {
        return dataDir;
    }

    /** Quarkus datasource settings that point at this server. */
    public Map<String, String> datasourceProperties() {
        return Map.of(
                "quarkus.datasource.username", USER,
                "quarkus.datasource.password", password,
                "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + port + "/" + DATABASE,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE);
    }

    /**
     * Forks the postmaster from the calling thread, which must outlive it: the server gets a parent-death signal
     * ({@code setpriv --pdeathsig}) tied to that thread, so even {@code kill -9} of Mooring takes PostgreSQL down.
     */
    Process launch() throws IOException {
        List<String> command = new ArrayList<>(Posix.asUserWithParentDeathSignal(asRoot ? "postgres" : null, "TERM"));
        command.addAll(List.of(binDir.resolve("postgres").toString(), "-D", CLUSTER_FD,
                "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                "-c", "max_connections=100",
                // WAL between checkpoints stays under the space reserve (mooring.space.postgres-reserve, 256M by default), so
                // the released reserve always holds it on a full disk; recycled, zero-filled segments (the defaults) need no room.
                "-c", "max_wal_size=192MB",
                // Shown in every server process's title: which cluster this is, since -D names only a descriptor.
                "-c", "cluster_name=" + dataDir));
        return new ProcessBuilder(withClusterDescriptor(dataDir, command))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("postgres.log").toFile()))
                .start();
    }

    /** Waits until {@code server} has written "ready" into {@code postmaster.pid}; fails as soon as it exits. */
    void awaitReady(Process server) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IOException("PostgreSQL exited with status " + server.exitValue()
                        + " during start; see " + home.resolve("postgres.log"));
            }
            if (readyPostmaster().filter(pid -> pid == server.pid()).isPresent()) {
                return;
            }
            sleep(Duration.ofMillis(20));
        }
        server.destroyForcibly();
        throw new IOException("PostgreSQL did not become ready within " + START_TIMEOUT.toSeconds() + " s; see "
                + home.resolve("postgres.log"));
    }

    /**
     * Ends every server process still running on this cluster from an earlier run or an earlier postmaster: a live
     * postmaster gets a fast shutdown and {@link #LEFTOVER_GRACE} to finish it; orphaned backends (their postmaster is
     * gone, the cluster is due for crash recovery anyway) and whatever outlives the grace are killed. PostgreSQL's own
     * crash recovery then runs on start. Returns how many processes there were.
     */
    int endLeftovers() {
        List<ProcessHandle> leftovers = serverProcesses();
        if (leftovers.isEmpty()) {
            return 0;
        }
        postmasterPid().flatMap(pid -> leftovers.stream().filter(p -> p.pid() == pid).findFirst()).ifPresent(postmaster -> {
            signal(postmaster.pid(), "INT");
            if (awaitExit(postmaster, LEFTOVER_GRACE)) {
                // its backends end with it
                leftovers.forEach(process -> awaitExit(process, Duration.ofSeconds(1)));
            }
        });
        for (ProcessHandle process : leftovers) {
            process.destroyForcibly();
        }
        for (ProcessHandle process : leftovers) {
            awaitExit(process, Duration.ofSeconds(5));
        }
        return leftovers.size();
    }

    /** Fast shutdown (SIGINT: open transactions roll back, a shutdown checkpoint is written); killed if it hangs. */
    static void stop(ProcessHandle server) {
        signal(server.pid(), "INT");
        if (!awaitExit(server, STOP_GRACE)) {
            LOG.warning("PostgreSQL did not finish its fast shutdown within " + STOP_GRACE.toSeconds() + " s; killing it");
            server.destroyForcibly();
            awaitExit(server, Duration.ofSeconds(5));
        }
    }

    /** PostgreSQL processes working in this cluster (each one's working directory is the data directory). */
    private List<ProcessHandle> serverProcesses() {
        String postgres = binDir.resolve("postgres").toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(postgres::equals).orElse(false))
                .filter(p -> {
                    try {
                        return Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd")).equals(dataDir);
                    } catch (IOException | UnsupportedOperationException gone) {
                        return false;
                    }
                })
                .toList();
    }

    private Optional<Long> postmasterPid() {
        return postmasterPidFile().filter(lines -> !lines.isEmpty()).flatMap(lines -> parse(lines.get(0)));
    }

    /** The pid of a postmaster that reports itself ready: {@code postmaster.pid} line 1 the pid, line 8 the status. */
    private Optional<Long> readyPostmaster() {
        return postmasterPidFile().filter(lines -> lines.size() >= 8 && lines.get(7).trim().equals("ready"))
                .flatMap(lines -> parse(lines.get(0)));
    }

    private Optional<List<String>> postmasterPidFile() {
        try {
            return Optional.of(Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.US_ASCII));
        } catch (IOException absent) {
            return Optional.empty();
        }
    }

    private static Optional<Long> parse(String pid) {
        try {
            return Optional.of(Long.parseLong(pid.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
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
        DurableFiles.writeOwnerOnly(file, password.getBytes(StandardCharsets.US_ASCII));
        return password;
    }

    private static void initCluster(Path binDir, Path home, Path dataDir, String password, boolean asRoot) throws IOException {
        Path staging = home.resolve("data.initdb");
        Posix.deleteTree(staging);
        Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        // initdb reads the superuser password from a file its user can read: inside the owner-only staging directory,
        // deleted right after.
        Path pwfile = staging.resolve(".pwfile");
        Files.writeString(pwfile, password, StandardCharsets.US_ASCII);
        if (asRoot) {
            Posix.chownTree(staging, "postgres");
        }
        // initdb syncs the new cluster to disk itself (no --no-sync): a crash right after the first start must not
        // lose the catalog.
        List<String> initdb = List.of(binDir.resolve("initdb").toString(), "-D", CLUSTER_FD + "/data", "-U", USER,
                "--pwfile=" + CLUSTER_FD + "/.pwfile", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C");
        run(withClusterDescriptor(staging, asRoot ? Posix.asUser("postgres", initdb) : initdb), home.resolve("initdb.log"));
        Files.delete(pwfile);
        // Created aside and moved into place so an interrupted initdb never leaves a half cluster behind; the rename
        // is made durable before the cluster is used.
        Files.move(staging.resolve("data"), dataDir);
        DurableFiles.syncDirectory(home);
        Posix.deleteTree(staging);
    }

    /** {@code command}, started by a shell that first opens {@code directory} as descriptor 3 while still privileged. */
    private static List<String> withClusterDescriptor(Path directory, List<String> command) {
        List<String> full = new ArrayList<>(List.of("/bin/sh", "-c", "exec 3<\"$0\" && exec \"$@\"", directory.toString()));
        full.addAll(command);
        return full;
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
                throw new IOException("initdb failed; see " + log);
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

    private static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
