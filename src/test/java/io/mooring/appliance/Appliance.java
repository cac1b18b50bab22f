package io.mooring.appliance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged appliance, started exactly as README.md says ({@code java -jar target/service/quarkus-app/quarkus-run.jar},
 * or the native executable named by {@code mooring.executable}; no configuration file, an embedded PostgreSQL) in its
 * own working directory. Only the listening ports are set, through the environment, so that tests bind 127.0.0.1 on
 * free ports.
 */
public final class Appliance implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final Path workDir;
    private final int httpPort;
    private final int iscsiPort;
    private final java.util.Map<String, String> environment = new java.util.HashMap<>();
    private Process process;

    private Appliance(Path workDir, int httpPort, int iscsiPort) {
        this.workDir = workDir;
        this.httpPort = httpPort;
        this.iscsiPort = iscsiPort;
    }

    /**
     * An appliance in a fresh working directory under {@code mooring.it.dir} (world-traversable: PostgreSQL runs as
     * the postgres user when tests run as root).
     */
    public static Appliance fresh() throws IOException {
        Path parent = Files.createDirectories(Path.of(System.getProperty("mooring.it.dir", "target/it")).toAbsolutePath().normalize());
        Files.setPosixFilePermissions(parent, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = Files.createTempDirectory(parent, "appliance-");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return new Appliance(dir, freePort(), freePort());
    }

    public Appliance start() throws IOException, InterruptedException {
        startInBackground();
        awaitReady();
        return this;
    }

    /**
     * An appliance whose working directory (and so its data directory) lies under a directory only its owner may enter,
     * as root's home is: PostgreSQL, run as another user, cannot walk that path.
     */
    public static Appliance freshUnderPrivateParent() throws IOException {
        Path parent = Files.createDirectories(Path.of(System.getProperty("mooring.it.dir", "target/it")).toAbsolutePath().normalize());
        Path privateDir = Files.createTempDirectory(parent, "private-");
        Files.setPosixFilePermissions(privateDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return new Appliance(Files.createTempDirectory(privateDir, "appliance-"), freePort(), freePort());
    }

    /** Starts without waiting for readiness: for starts that must first get past something the test releases. */
    public Process startInBackground() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command())
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("appliance.log").toFile()));
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        builder.environment().put("MOORING_ISCSI_HOST", "127.0.0.1");
        builder.environment().put("MOORING_ISCSI_PORT", Integer.toString(iscsiPort));
        builder.environment().put("MOORING_ISCSI_ADVERTISED_ADDRESS", "127.0.0.1");
        builder.environment().putAll(environment);
        process = builder.start();
        return process;
    }

    /** Waits until a start begun by {@link #startInBackground()} is ready. */
    public Appliance awaitStarted() throws IOException, InterruptedException {
        awaitReady();
        return this;
    }

    /** The embedded PostgreSQL's postmaster as its {@code postmaster.pid} names it. */
    public long postmasterPid() throws IOException {
        return Long.parseLong(Files.readAllLines(dataDir().resolve("postgres/data/postmaster.pid")).get(0).trim());
    }

    /** The embedded PostgreSQL's data directory. */
    public Path postgresDataDir() {
        return dataDir().resolve("postgres/data");
    }

    /** An environment variable for the next starts (null: no longer set), e.g. a test-only setting. */
    public Appliance withEnvironment(String name, String value) {
        if (value == null) {
            environment.remove(name);
        } else {
            environment.put(name, value);
        }
        return this;
    }

    /** SIGTERM, as an operator or systemd stops it; waits for the process to end. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the appliance did not stop within 60 s; see " + log());
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook runs. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The appliance's own process id (the JVM or the native executable). */
    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int iscsiPort() {
        return iscsiPort;
    }

    public Path workDir() {
        return workDir;
    }

    public Path dataDir() {
        return workDir.resolve("mooring-data");
    }

    public Path log() {
        return workDir.resolve("appliance.log");
    }

    public String adminToken() throws IOException {
        return Files.readString(dataDir().resolve("admin-token")).trim();
    }

    /** Live PostgreSQL processes serving this appliance's data directory, whichever user runs them. */
    public List<Long> postgresProcesses() throws IOException {
        String marker = dataDir().resolve("postgres").toString();
        List<Long> found = new java.util.ArrayList<>();
        try (var proc = Files.list(Path.of("/proc"))) {
            for (Path dir : (Iterable<Path>) proc::iterator) {
                String name = dir.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String commandLine = new String(Files.readAllBytes(dir.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    if (commandLine.contains("postgres") && commandLine.contains(marker)) {
                        found.add(Long.parseLong(name));
                    }
                } catch (IOException gone) {
                    // the process ended while we looked
                }
            }
        }
        return found;
    }

    @Override
    public void close() throws InterruptedException {
        if (isRunning()) {
            kill();
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready")).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the appliance exited with " + process.exitValue() + ":\n" + Files.readString(log()));
            }
            try {
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the appliance was not ready within " + READY_TIMEOUT.toSeconds() + " s:\n" + Files.readString(log()));
    }

    /** The native executable when {@code mooring.executable} names one (native/README.md), else the jar. */
    private static List<String> command() {
        String executable = System.getProperty("mooring.executable");
        if (executable != null) {
            return List.of(Path.of(executable).toAbsolutePath().toString());
        }
        Path jar = Path.of(System.getProperty("mooring.jar", "target/service/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString());
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
