package io.mooring.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 9 item 3's proof against the packaged appliance: a crash at every step of create/delete volume, extend of an
 * in-use volume (issue 11) and connect/delete attachment, by {@code kill -9} of Mooring (then a restart) or of the PostgreSQL backend serving it
 * (then the request goes on), leaves nothing half-done once reconciliation ran: no volume in creating/deleting, no
 * attachment in detaching, no volume file without its row nor row without its file, every connected attachment logs
 * in with its credentials and every deleted one is refused, and a request that answered success really happened.
 * The exact step is reached with the test-only {@code mooring.fault.pause-at}; a random-timing variant kills during a
 * loop of operations. What reconciliation repaired is printed ("measured:"-style lines prefixed "repaired:").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashConsistencyIT {

    static final String PROJECT = "0123456789abcdef0123456789abcdef";
    static final String HOST = "iqn.2024-01.test:crash";
    static final String PAUSE_AT = "MOORING_FAULT_PAUSE_AT";

    static Stream<String> points() {
        return Stream.of("volume.create.row-committed", "volume.create.file-written", "volume.delete.marked",
                "volume.delete.file-removed", "volume.extend.marked", "volume.extend.grown", "volume.extend.target-told", "attachment.connect.exported", "attachment.delete.marked", "attachment.delete.revoked");
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The credentials of every attachment ever handed out: each must log in while it exists and be refused once gone. */
    private final Map<String, AttachmentExportIT.Lun> credentials = new ConcurrentHashMap<>();
    private final List<String> report = new ArrayList<>();
    private Appliance appliance;
    private String token;
    /** The fault point the running process pauses at. */
    private String armed;

    @BeforeAll
    void start() throws Exception {
        appliance = Appliance.fresh().withEnvironment("MOORING_RECONCILE_INTERVAL", "2s").start();
        token = appliance.adminToken();
    }

    @AfterAll
    void stop() throws InterruptedException {
        report.forEach(System.out::println);
        if (appliance != null) {
            appliance.close();
        }
    }

    @ParameterizedTest
    @MethodSource("points")
    @Order(1)
    void killOfMooringAtEachStep(String point) throws Exception {
        restartPausingAt(point);
        Operation operation = prepare(point);
        long offset = logSize();
        CompletableFuture<HttpResponse<String>> answer = send(operation);
        awaitLogLine(offset, "fault point " + point + " reached");
        if (point.startsWith("attachment.delete.")) {
            assertThat(JsonPath.from(call("GET", "/volumes/" + operation.volumeId(), null).body()).getString("volume.status"))
                    .as("the volume while its only attachment is detaching").isEqualTo("detaching");
        }
        killMooring();

        // The restart already arms the next step (the checks pass no fault point): one start per step, not two.
        List<String> steps = points().toList();
        String next = steps.get((steps.indexOf(point) + 1) % steps.size());
        long restarted = logSize();
        appliance.withEnvironment(PAUSE_AT, next).start();
        armed = next;
        awaitConsistent();
        assertThat(answer).as("the request was cut short").isCompletedExceptionally();
        List<String> repairs = reconciliationLines(restarted);
        record("kill -9 of Mooring at " + point, repairs);
        String expected = switch (point) {
            case "volume.create.row-committed", "volume.create.file-written" -> "was left creating: backing store allocated, now available";
            case "volume.delete.marked", "volume.delete.file-removed" -> "volume " + operation.volumeId() + " was left deleting";
            case "volume.extend.marked", "volume.extend.grown", "volume.extend.target-told" -> "volume " + operation.volumeId()
                    + " was left extending: backing store grown, the target told, now in-use with 2 GiB";
            case "attachment.delete.marked", "attachment.delete.revoked" -> "attachment " + operation.attachmentId() + " of volume "
                    + operation.volumeId() + " was left detaching: revoked and deleted";
            default -> null;
        };
        if (expected == null) {
            assertThat(repairs).as("a connect cut short before its commit left nothing to repair").isEmpty();
        } else {
            assertThat(repairs).as("start-up reconciliation repaired it, one line").hasSize(1).first().asString().contains(expected);
        }
    }

    @ParameterizedTest
    @MethodSource("points")
    @Order(2)
    void killOfAPostgresBackendAtEachStep(String point) throws Exception {
        restartPausingAt(point);
        Operation operation = prepare(point);
        long offset = logSize();
        CompletableFuture<HttpResponse<String>> answer = send(operation);
        awaitLogLine(offset, "fault point " + point + " reached");
        String killed = killPostgresBackend();
        Files.writeString(appliance.dataDir().resolve("fault-point.continue"), "");
        HttpResponse<String> response = answer.get(120, TimeUnit.SECONDS);

        awaitConsistent();
        assertOutcomeAgrees(operation, response);
        record("kill -9 of PostgreSQL backend (" + killed + ") at " + point + ", request answered " + response.statusCode(),
                reconciliationLines(offset));
    }

    @RepeatedTest(3)
    @Order(3)
    void killOfMooringAtARandomMomentOfAnOperationLoop() throws Exception {
        restartPausingAt(null);
        OperationLoop loop = new OperationLoop();
        loop.start();
        Thread.sleep(ThreadLocalRandom.current().nextLong(1500, 6000));
        killMooring();
        loop.stopAndJoin();

        long restarted = logSize();
        appliance.start();
        awaitConsistent();
        loop.assertOutcomesAgree();
        record("kill -9 of Mooring at a random moment (" + loop.answers() + " answers before)", reconciliationLines(restarted));
    }

    @RepeatedTest(3)
    @Order(4)
    void killOfAPostgresBackendAtARandomMomentOfAnOperationLoop() throws Exception {
        restartPausingAt(null);
        long offset = logSize();
        OperationLoop loop = new OperationLoop();
        loop.start();
        Thread.sleep(ThreadLocalRandom.current().nextLong(1500, 6000));
        String killed = killPostgresBackend();
        Thread.sleep(3000);
        loop.stopAndJoin();

        awaitConsistent();
        loop.assertOutcomesAgree();
        record("kill -9 of PostgreSQL backend (" + killed + ") at a random moment (" + loop.answers() + " answers)",
                reconciliationLines(offset));
    }

    /**
     * Start-up reconciliation removes a file named like a volume's whose row does not exist, keeps every other file,
     * and tightens the modes an older version left open (0755 directory, 0644 image).
     */
    @org.junit.jupiter.api.Test
    @Order(5)
    void orphanVolumeFilesAreSetAsideOtherFilesKeptModesTightened() throws Exception {
        restartPausingAt(null);
        String volumeId = createVolume();
        Path directory = appliance.dataDir().resolve("volumes");
        Path orphan = Files.writeString(directory.resolve(UUID.randomUUID() + ".img"), "left by a crash");
        Path unrelated = Files.writeString(directory.resolve("operator-notes.txt"), "not a volume");
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(directory.resolve(volumeId + ".img"), PosixFilePermissions.fromString("rw-r--r--"));
        appliance.stop();
        awaitNoPostgres();

        long restarted = logSize();
        appliance.start();
        List<String> repairs = reconciliationLines(restarted);
        record("start-up after planting an orphan file and opening modes", repairs);
        assertThat(orphan).doesNotExist();
        Path setAside = directory.resolve("orphaned").resolve(orphan.getFileName());
        assertThat(setAside).hasContent("left by a crash");
        assertThat(unrelated).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory.resolve(volumeId + ".img")))).isEqualTo("rw-------");
        assertThat(repairs).hasSize(3).anyMatch(line -> line.contains("moved " + orphan + " to " + setAside + ": no volume has it"));
        Files.delete(unrelated);
        awaitConsistent();
    }

    // ---- the operations ------------------------------------------------------------------------------------------

    enum Kind { CREATE_VOLUME, DELETE_VOLUME, EXTEND_VOLUME, CONNECT, DELETE_ATTACHMENT }

    record Operation(Kind kind, String method, String path, String body, String volumeId, String attachmentId) {
    }

    /** The state the step needs (a volume, a connected attachment), then the request that will reach the step. */
    private Operation prepare(String point) throws Exception {
        if (point.startsWith("volume.create.")) {
            return new Operation(Kind.CREATE_VOLUME, "POST", "/volumes", "{\"volume\": {\"size\": 1}}", null, null);
        }
        String volumeId = createVolume();
        return switch (point) {
            case "volume.delete.marked", "volume.delete.file-removed" ->
                    new Operation(Kind.DELETE_VOLUME, "DELETE", "/volumes/" + volumeId, null, volumeId, null);
            case "volume.extend.marked", "volume.extend.grown", "volume.extend.target-told" -> {
                String attachmentId = connect(volumeId);
                HttpResponse<String> completed = call("POST", "/attachments/" + attachmentId + "/action", "{\"os-complete\": null}");
                assertThat(completed.statusCode()).as(completed.body()).isEqualTo(204);
                yield new Operation(Kind.EXTEND_VOLUME, "POST", "/volumes/" + volumeId + "/action", "{\"os-extend\": {\"new_size\": 2}}",
                        volumeId, attachmentId);
            }
            case "attachment.connect.exported" -> new Operation(Kind.CONNECT, "POST", "/attachments", attachmentBody(volumeId), volumeId, null);
            default -> {
                String attachmentId = connect(volumeId);
                yield new Operation(Kind.DELETE_ATTACHMENT, "DELETE", "/attachments/" + attachmentId, null, volumeId, attachmentId);
            }
        };
    }

    private static String attachmentBody(String volumeId) {
        return "{\"attachment\": {\"volume_uuid\": \"" + volumeId + "\", \"instance_uuid\": \"" + UUID.randomUUID()
                + "\", \"connector\": {\"initiator\": \"" + HOST + "\", \"ip\": \"127.0.0.1\", \"host\": \"h\"}}}";
    }

    private String createVolume() throws Exception {
        HttpResponse<String> created = call("POST", "/volumes", "{\"volume\": {\"size\": 1}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        return JsonPath.from(created.body()).getString("volume.id");
    }

    /** A connected attachment of {@code volumeId}; its credentials are remembered. */
    private String connect(String volumeId) throws Exception {
        HttpResponse<String> created = call("POST", "/attachments", attachmentBody(volumeId));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        return remember(JsonPath.from(created.body()));
    }

    private String remember(JsonPath attachment) {
        String id = attachment.getString("attachment.id");
        credentials.put(id, AttachmentExportIT.Lun.of(attachment));
        return id;
    }

    /** A request that answered success happened: what it created exists in its final state, what it deleted is gone. */
    private void assertOutcomeAgrees(Operation operation, HttpResponse<String> response) throws Exception {
        if (response.statusCode() / 100 != 2) {
            assertThat(response.body()).as("an error answer is Cinder's envelope").startsWith("{\"");
            return;
        }
        switch (operation.kind()) {
            case CREATE_VOLUME -> {
                String id = JsonPath.from(response.body()).getString("volume.id");
                assertThat(JsonPath.from(call("GET", "/volumes/" + id, null).body()).getString("volume.status")).isEqualTo("available");
            }
            case DELETE_VOLUME -> assertThat(call("GET", "/volumes/" + operation.volumeId(), null).statusCode()).isEqualTo(404);
            case EXTEND_VOLUME -> {
                JsonPath volume = JsonPath.from(call("GET", "/volumes/" + operation.volumeId(), null).body());
                assertThat(volume.getInt("volume.size")).isEqualTo(2);
                assertThat(volume.getString("volume.status")).isEqualTo("in-use");
            }
            case CONNECT -> {
                String id = remember(JsonPath.from(response.body()));
                assertThat(call("GET", "/attachments/" + id, null).statusCode()).isEqualTo(200);
                assertThat(logsIn(credentials.get(id))).as("the connected attachment logs in").isTrue();
            }
            case DELETE_ATTACHMENT -> {
                assertThat(call("GET", "/attachments/" + operation.attachmentId(), null).statusCode()).isEqualTo(404);
                assertThat(logsIn(credentials.get(operation.attachmentId()))).as("the deleted attachment is refused").isFalse();
            }
        }
    }

    /** Create volume, connect, delete the attachment, delete the volume, again and again, until stopped. */
    private final class OperationLoop extends Thread {

        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Set<String> deletedVolumes = ConcurrentHashMap.newKeySet();
        private final Set<String> deletedAttachments = ConcurrentHashMap.newKeySet();
        private int answers;

        @Override
        public void run() {
            try {
                while (running.get()) {
                    HttpResponse<String> created = call("POST", "/volumes", "{\"volume\": {\"size\": 1}}");
                    answers++;
                    if (created.statusCode() != 202) {
                        continue;
                    }
                    String volumeId = JsonPath.from(created.body()).getString("volume.id");
                    HttpResponse<String> connected = call("POST", "/attachments", attachmentBody(volumeId));
                    answers++;
                    if (connected.statusCode() == 200) {
                        String attachmentId = remember(JsonPath.from(connected.body()));
                        answers++;
                        if (call("DELETE", "/attachments/" + attachmentId, null).statusCode() == 200) {
                            deletedAttachments.add(attachmentId);
                        }
                    }
                    answers++;
                    if (call("DELETE", "/volumes/" + volumeId, null).statusCode() == 202) {
                        deletedVolumes.add(volumeId);
                    }
                }
            } catch (IOException | InterruptedException stopped) {
                // Mooring was killed under the loop
            }
        }

        void stopAndJoin() throws InterruptedException {
            running.set(false);
            join(TimeUnit.SECONDS.toMillis(150));
            assertThat(isAlive()).as("the operation loop ended").isFalse();
        }

        int answers() {
            return answers;
        }

        void assertOutcomesAgree() throws Exception {
            for (String volumeId : deletedVolumes) {
                assertThat(call("GET", "/volumes/" + volumeId, null).statusCode()).as("deleted volume " + volumeId).isEqualTo(404);
            }
            for (String attachmentId : deletedAttachments) {
                assertThat(call("GET", "/attachments/" + attachmentId, null).statusCode()).as("deleted attachment").isEqualTo(404);
            }
        }
    }

    // ---- the checks ----------------------------------------------------------------------------------------------

    /** Polls until the appliance is consistent (reconciliation runs every 2 s here); fails with what still is not. */
    private void awaitConsistent() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<String> problems = List.of();
        while (System.nanoTime() < deadline) {
            problems = inconsistencies();
            if (problems.isEmpty()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("still inconsistent after 60 s: " + problems + "\n" + reconciliationLines(0));
    }

    private List<String> inconsistencies() throws Exception {
        List<String> problems = new ArrayList<>();
        HttpResponse<String> volumes = call("GET", "/volumes/detail?all_tenants=1&limit=1000", null);
        HttpResponse<String> attachments = call("GET", "/attachments/detail?all_tenants=1&limit=1000", null);
        if (volumes.statusCode() != 200 || attachments.statusCode() != 200) {
            return List.of("the API answers " + volumes.statusCode() + "/" + attachments.statusCode());
        }
        Path directory = appliance.dataDir().resolve("volumes");
        Set<String> volumeIds = new HashSet<>();
        for (Map<String, Object> volume : JsonPath.from(volumes.body()).<Map<String, Object>>getList("volumes")) {
            String id = (String) volume.get("id");
            volumeIds.add(id);
            if (Set.of("creating", "deleting", "extending").contains(volume.get("status"))) {
                problems.add("volume " + id + " is " + volume.get("status"));
            }
            Path file = directory.resolve(id + ".img");
            if (!Files.exists(file)) {
                problems.add("volume " + id + " has no file");
            } else if (Files.size(file) != ((Number) volume.get("size")).longValue() << 30) {
                problems.add("volume " + id + " of " + volume.get("size") + " GiB has a file of " + Files.size(file) + " bytes");
            } else if (!PosixFilePermissions.toString(Files.getPosixFilePermissions(file)).equals("rw-------")) {
                problems.add("volume file " + file + " is " + PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            }
        }
        if (Files.isDirectory(directory)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).isEqualTo("rwx------");
            try (Stream<Path> files = Files.list(directory)) {
                // volumes/orphaned/ holds what reconciliation set aside: no volume's, by definition
                files.filter(Files::isRegularFile).map(f -> f.getFileName().toString())
                        .filter(name -> !volumeIds.contains(name.replace(".img", "")))
                        .forEach(name -> problems.add("file " + name + " has no volume"));
            }
        }
        Set<String> live = new HashSet<>();
        List<String> connected = new ArrayList<>();
        for (Map<String, Object> attachment : JsonPath.from(attachments.body()).<Map<String, Object>>getList("attachments")) {
            String id = (String) attachment.get("id");
            live.add(id);
            Object status = attachment.get("status");
            if (status == null) {
                problems.add("attachment " + id + " has no status");
            } else if ("detaching".equals(status)) {
                problems.add("attachment " + id + " is detaching");
            } else if ("attaching".equals(status) || "attached".equals(status)) {
                connected.add(id);
            }
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        for (String id : connected) {
            HttpResponse<String> shown = call("GET", "/attachments/" + id, null);
            if (shown.statusCode() == 200 && !logsIn(credentials.computeIfAbsent(id, k -> AttachmentExportIT.Lun.of(JsonPath.from(shown.body()))))) {
                problems.add("connected attachment " + id + " cannot log in");
            }
        }
        for (Map.Entry<String, AttachmentExportIT.Lun> entry : credentials.entrySet()) {
            if (!live.contains(entry.getKey()) && logsIn(entry.getValue())) {
                problems.add("deleted attachment " + entry.getKey() + " still logs in");
            }
        }
        return problems;
    }

    private static boolean logsIn(AttachmentExportIT.Lun lun) throws IOException, InterruptedException {
        return Tools.run(List.of("iscsi-inq", "-i", HOST, lun.url()), 30).exitCode() == 0;
    }

    // ---- the faults ----------------------------------------------------------------------------------------------

    /** A process with {@code point} armed (null: none): the running one if it is, else a fresh one after a clean stop. */
    private void restartPausingAt(String point) throws Exception {
        if (appliance.isRunning() && java.util.Objects.equals(armed, point)) {
            return;
        }
        if (appliance.isRunning()) {
            appliance.stop();
            awaitNoPostgres();
        }
        appliance.withEnvironment(PAUSE_AT, point).start();
        armed = point;
    }

    private void killMooring() throws Exception {
        appliance.kill();
        awaitNoPostgres();
    }

    private void awaitNoPostgres() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!appliance.postgresProcesses().isEmpty()) {
            assertThat(System.nanoTime()).as("PostgreSQL went away with Mooring").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /**
     * SIGKILL to one client backend of the embedded PostgreSQL (one in a transaction if any): the postmaster then ends
     * every other backend and runs crash recovery. Returns the backend's process title.
     */
    private String killPostgresBackend() throws Exception {
        List<Long> postmasters = appliance.postgresProcesses();
        assertThat(postmasters).hasSize(1);
        String postmaster = postmasters.get(0).toString();
        String chosen = null;
        String title = null;
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : (Iterable<Path>) processes::iterator) {
                String pid = process.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(process.resolve("stat"));
                    String parent = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1];
                    String commandLine = new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
                    if (parent.equals(postmaster) && commandLine.contains("127.0.0.1(")
                            && (chosen == null || commandLine.contains("in transaction"))) {
                        chosen = pid;
                        title = commandLine;
                    }
                } catch (IOException gone) {
                    // ended while we looked
                }
            }
        }
        assertThat(chosen).as("a client backend of PostgreSQL").isNotNull();
        Tools.run(List.of("kill", "-9", chosen)).requireSuccess();
        return title;
    }

    // ---- plumbing ------------------------------------------------------------------------------------------------

    private HttpResponse<String> call(String method, String path, String body) throws IOException, InterruptedException {
        return http.send(request(method, path, body), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> send(Operation operation) {
        return http.sendAsync(request(operation.method(), operation.path(), operation.body()), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create(appliance.baseUrl() + "/v3/" + PROJECT + path))
                .timeout(Duration.ofSeconds(120))
                .header("X-Auth-Token", token).header("OpenStack-API-Version", "volume 3.70")
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private long logSize() throws IOException {
        return Files.size(appliance.log());
    }

    private String logFrom(long offset) throws IOException {
        byte[] all = Files.readAllBytes(appliance.log());
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset), StandardCharsets.UTF_8);
    }

    private void awaitLogLine(long offset, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!logFrom(offset).contains(text)) {
            assertThat(System.nanoTime()).as("log line '" + text + "'").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private List<String> reconciliationLines(long offset) throws IOException {
        return logFrom(offset).lines().filter(line -> line.contains("Reconciliation")).toList();
    }

    private void record(String crash, List<String> repairs) {
        String line = "repaired: " + crash + ": " + (repairs.isEmpty() ? "nothing"
                : String.join(" | ", repairs.stream().map(l -> l.substring(l.indexOf("Reconciliation"))).toList()));
        System.out.println(line);
        report.add(line);
    }
}
