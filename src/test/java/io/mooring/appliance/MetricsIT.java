package io.mooring.appliance;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 13's metrics proof against the packaged appliance: qemu-io writes through an attachment made by the API,
 * and a scrape of {@code /q/metrics} shows exactly what was written; a wrong CHAP secret shows up as one login failure
 * with its reason; only an admin token may scrape; scrapes go on while the database is down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {

    private static final String PROJECT = "0123456789abcdef0123456789abcdef";
    private static final String HOST = "iqn.2024-01.test:metrics-host";
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private Appliance appliance;
    private String token;

    @BeforeAll
    void start() throws Exception {
        appliance = Appliance.fresh().start();
        token = appliance.adminToken();
    }

    @AfterAll
    void stop() throws InterruptedException {
        appliance.close();
    }

    @Test
    void writesThroughAnAttachmentMoveTheLunsCountersByExactlyWhatWasWritten() throws Exception {
        String volumeId = createVolume();
        AttachmentExportIT.Lun lun = AttachmentExportIT.Lun.of(attach(volumeId));
        Map<String, String> write = Map.of("volume_id", volumeId, "op", "write");
        String before = scrape();
        double bytesBefore = value(before, "mooring_lun_bytes_total", write);
        double writesBefore = value(before, "mooring_lun_latency_seconds_count", write);

        int writes = 24;
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            commands.add("write -P 0x5c " + (i * 64) + "k 64k");
        }
        assertThat(Tools.run(qemuIo(lun, commands)).requireSuccess().output()).contains("wrote 65536/65536 bytes");

        String after = scrape();
        assertThat(value(after, "mooring_lun_bytes_total", write) - bytesBefore).isEqualTo(writes * 65536.0);
        assertThat(value(after, "mooring_lun_latency_seconds_count", write) - writesBefore).isEqualTo(writes);
        assertThat(value(after, "mooring_lun_commands_total", write) - writesBefore).isEqualTo(writes);
        Map<String, String> infinity = Map.of("volume_id", volumeId, "op", "write", "le", "+Inf");
        assertThat(value(after, "mooring_lun_latency_seconds_bucket", infinity))
                .isEqualTo(value(after, "mooring_lun_latency_seconds_count", write));
        assertThat(value(after, "mooring_lun_latency_seconds_sum", write)).isPositive();
        assertThat(value(after, "mooring_lun_queue_depth", Map.of("volume_id", volumeId))).isZero();
        assertThat(after).contains("# TYPE mooring_lun_latency_seconds histogram");

        // the service's own meters sit beside the engine's
        assertThat(value(after, "mooring_database_state", Map.of("state", "up"))).isEqualTo(1.0);
        assertThat(value(after, "mooring_data_dir_free_bytes", Map.of())).isPositive();
        assertThat(after).contains("mooring_attachment_transitions_total{");
        assertThat(after).containsPattern("http_server_requests_seconds_count\\{[^}]*uri=\"/v3/attachments\"");
        assertThat(lines(after, "http_server_requests")).as("no id is ever an HTTP label")
                .noneMatch(line -> line.contains(volumeId) || line.contains(PROJECT));
    }

    @Test
    void aWrongChapSecretCountsOneAuthenticationFailureOnItsTarget() throws Exception {
        AttachmentExportIT.Lun lun = AttachmentExportIT.Lun.of(attach(createVolume()));
        Map<String, String> failure = Map.of("target", lun.iqn(), "reason", "authentication_failed");
        Map<String, String> target = Map.of("target", lun.iqn());
        assertThat(Tools.run(List.of("iscsi-inq", "-i", HOST, lun.url())).exitCode()).isZero();
        String before = scrape();
        assertThat(value(before, "mooring_target_logins_total", target)).isEqualTo(1);

        assertThat(Tools.run(List.of("iscsi-inq", "-i", HOST, lun.withPassword("wrongpassword1234").url())).exitCode())
                .isNotZero();

        String after = scrape();
        assertThat(value(after, "mooring_target_login_failures_total", failure)
                - value(before, "mooring_target_login_failures_total", failure)).isEqualTo(1);
        assertThat(value(after, "mooring_target_logins_total", target)).isEqualTo(1);
    }

    @Test
    void onlyAnAdminTokenMayScrape() throws IOException {
        given().baseUri(appliance.baseUrl()).get("/q/metrics").then().statusCode(401)
                .contentType(ContentType.JSON).body("unauthorized.code", equalTo(401));
        given().baseUri(appliance.baseUrl()).header("X-Auth-Token", "not-a-token").get("/q/metrics").then().statusCode(401);
        String member = given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).contentType(ContentType.JSON)
                .body(Map.of("token", Map.of("project_id", PROJECT, "role", "member")))
                .post("/mooring/tokens").then().statusCode(201).extract().path("token.id");
        long logLines = logLines();
        given().baseUri(appliance.baseUrl()).header("X-Auth-Token", member).get("/q/metrics").then().statusCode(403)
                .contentType(ContentType.JSON).body("forbidden.code", equalTo(403));
        given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).get("/q/metrics").then().statusCode(200);
        // Prometheus' own authorization setting: a bearer token
        given().baseUri(appliance.baseUrl()).header("Authorization", "Bearer " + token).get("/q/metrics").then()
                .statusCode(200).body(containsString("mooring_target_logins_total"));
        given().baseUri(appliance.baseUrl()).header("Authorization", "Bearer " + member).get("/q/metrics").then()
                .statusCode(403);
        for (int i = 0; i < 5; i++) {
            scrape();
        }
        assertThat(logLines()).as("lines logged by scrapes and refused scrapes").isEqualTo(logLines);
    }

    private long logLines() throws IOException {
        try (var lines = Files.lines(appliance.log())) {
            return lines.count();
        }
    }

    @Test
    void scrapesGoOnWhileTheDatabaseIsDownAndShowTheOutage() throws Exception {
        scrape(); // the token is checked once against the database, then remembered
        Map<String, String> up = Map.of("state", "up");
        Tools.run(List.of("kill", "-9", Long.toString(appliance.postmasterPid()))).requireSuccess();
        boolean sawOutage = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!sawOutage && System.nanoTime() < deadline) {
            sawOutage = value(scrape(), "mooring_database_state", up) == 0; // scrape() asserts the 200
        }
        assertThat(sawOutage).as("a scrape answered while the supervisor had the database down").isTrue();
        // the supervisor restarts PostgreSQL; the other tests need it back
        while (value(scrape(), "mooring_database_state", up) != 1 && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(60)) {
            Thread.sleep(100);
        }
        int ready = 0;
        while (ready != 200 && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(60)) {
            ready = given().baseUri(appliance.baseUrl()).get("/q/health/ready").statusCode();
            Thread.sleep(100);
        }
        assertThat(ready).as("ready again after the restart").isEqualTo(200);
    }

    private String scrape() {
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).get("/q/metrics")
                .then().statusCode(200).extract().asString();
    }

    /** The value of the sample {@code name} whose labels include {@code labels}; 0 when there is none (yet). */
    private static double value(String scrape, String name, Map<String, String> labels) {
        List<Double> found = new ArrayList<>();
        for (String line : lines(scrape, name)) {
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            String sampleName = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
            if (!sampleName.equals(name)) {
                continue;
            }
            Map<String, String> present = new HashMap<>();
            Matcher m = LABEL.matcher(series);
            while (m.find()) {
                present.put(m.group(1), m.group(2));
            }
            if (present.entrySet().containsAll(labels.entrySet())) {
                found.add(Double.parseDouble(line.substring(space + 1)));
            }
        }
        assertThat(found).as("samples of %s%s", name, labels).hasSizeLessThanOrEqualTo(1);
        return found.isEmpty() ? 0 : found.get(0);
    }

    private static List<String> lines(String scrape, String prefix) {
        return scrape.lines().filter(line -> line.startsWith(prefix)).toList();
    }

    private String createVolume() {
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token)
                .header("OpenStack-API-Version", "volume 3.70").contentType(ContentType.JSON)
                .body("{\"volume\": {\"size\": 1}}").post("/v3/" + PROJECT + "/volumes")
                .then().statusCode(202).extract().path("volume.id");
    }

    private JsonPath attach(String volumeId) {
        String body = "{\"attachment\": {\"volume_uuid\": \"" + volumeId + "\", \"instance_uuid\": \"" + UUID.randomUUID()
                + "\", \"connector\": {\"initiator\": \"" + HOST + "\", \"ip\": \"127.0.0.1\", \"host\": \"h\"}}}";
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token)
                .header("OpenStack-API-Version", "volume 3.54").contentType(ContentType.JSON).body(body)
                .post("/v3/" + PROJECT + "/attachments").then().statusCode(200).extract().jsonPath();
    }

    /** qemu-io over libiscsi, the password in a file rather than on the command line. */
    private List<String> qemuIo(AttachmentExportIT.Lun lun, List<String> commands) throws IOException {
        return Tools.qemuIoCommand(appliance.workDir(), lun.portal(), lun.iqn(), lun.user(), lun.password(), HOST,
                commands.toArray(String[]::new));
    }
}
