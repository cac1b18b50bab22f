package io.mooring.appliance;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 6's proof with real parts only: the appliance started as README says, the real cinder CLI creating the
 * attachments, and libiscsi's tools and qemu-io logging in to the embedded target with the credentials it printed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttachmentExportIT {

    static final String PROJECT = "0123456789abcdef0123456789abcdef";
    static final String HOST1 = "iqn.2024-01.test:host1";
    static final String HOST2 = "iqn.2024-01.test:host2";
    static final long GIB = 1L << 30;

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
    void cliAttachmentExportsTheVolumeToThatInitiatorAlone() throws Exception {
        String volumeId = cinderCreate(null);
        Map<String, String> info = Tools.propertyTable(cinder("3.54", "attachment-create", "--connect", "True",
                "--initiator", HOST1, "--ip", "127.0.0.1", "--host", "host1", volumeId, UUID.randomUUID().toString()).output());
        assertThat(info).containsKeys("access_mode", "attachment_id", "auth_method", "auth_password", "auth_username",
                "encrypted", "qos_specs", "target_discovered", "target_iqn", "target_lun", "target_portal", "volume_id");
        assertThat(info).containsEntry("access_mode", "rw").containsEntry("auth_method", "CHAP")
                .containsEntry("target_lun", "0").containsEntry("volume_id", volumeId)
                .containsEntry("target_portal", "127.0.0.1:" + appliance.iscsiPort());
        assertThat(info.get("target_iqn")).endsWith(":volume-" + volumeId);
        assertThat(info.get("auth_password")).matches("[A-Za-z0-9]{16,24}");
        Lun lun = new Lun(info.get("target_portal"), info.get("target_iqn"), info.get("auth_username"), info.get("auth_password"));

        assertThat(Tools.run(List.of("iscsi-ls", "-i", HOST1, "-s", lun.discoveryUrl())).requireSuccess().output())
                .contains(lun.iqn());
        assertThat(Tools.run(List.of("iscsi-readcapacity16", "-i", HOST1, lun.url())).requireSuccess().output())
                .contains("Total size:" + GIB);
        assertThat(qemuIo(lun, HOST1, "write -P 0xab 0 1M", "read -P 0xab 0 1M").requireSuccess().output())
                .contains("read 1048576/1048576 bytes").doesNotContain("Pattern verification failed");

        assertThat(Tools.run(List.of("iscsi-inq", "-i", HOST1, lun.withPassword("wrongpassword1234").url())).exitCode())
                .as("wrong password").isNotZero();
        assertThat(Tools.run(List.of("iscsi-inq", "-i", HOST2, lun.url())).exitCode()).as("another initiator").isNotZero();
        Lun other = connect(cinderCreate(null), HOST1, null);
        assertThat(Tools.run(List.of("iscsi-inq", "-i", HOST1, lun.withCredentialsOf(other).url())).exitCode())
                .as("a second volume's credentials").isNotZero();
        assertThat(Tools.run(List.of("iscsi-inq", "-i", HOST1, other.url())).exitCode()).isZero();
    }

    @Test
    void deletingTheAttachmentDropsItsSessionWithinOneSecond() throws Exception {
        String volumeId = cinderCreate(null);
        JsonPath attachment = createAttachment(volumeId, HOST1, null);
        Lun lun = Lun.of(attachment);
        Process load = new ProcessBuilder("iscsi-perf", "-i", HOST1, "-x", "0", lun.url()).redirectErrorStream(true)
                .redirectOutput(appliance.workDir().resolve("iscsi-perf.log").toFile()).start();
        try {
            awaitSessions(lun.iqn(), 1, 10_000);
            long started = System.nanoTime();
            cinder("3.27", "attachment-delete", attachment.getString("attachment.id")).requireSuccess();
            long answered = System.nanoTime();
            awaitSessions(lun.iqn(), 0, 1_000);
            System.out.printf("measured: cinder attachment-delete took %d ms (CLI start-up included); the session was gone %d ms after its answer%n",
                    TimeUnit.NANOSECONDS.toMillis(answered - started), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered));
            assertThat(load.waitFor(10, TimeUnit.SECONDS)).as("the initiator doing I/O lost its connection").isTrue();
        } finally {
            load.destroyForcibly();
        }
        assertThat(Tools.run(List.of("iscsi-inq", "-i", HOST1, lun.url())).exitCode()).as("login after delete").isNotZero();
        assertThat(volume(volumeId).getString("volume.status")).isEqualTo("available");
    }

    @Test
    void readOnlyAttachmentRefusesWritesWithDataProtect() throws Exception {
        String volumeId = cinderCreate(null);
        Map<String, String> info = Tools.propertyTable(cinder("3.54", "attachment-create", "--connect", "True",
                "--initiator", HOST1, "--ip", "127.0.0.1", "--host", "host1", "--mode", "ro", volumeId,
                UUID.randomUUID().toString()).output());
        assertThat(info).containsEntry("access_mode", "ro");
        Lun lun = new Lun(info.get("target_portal"), info.get("target_iqn"), info.get("auth_username"), info.get("auth_password"));
        assertThat(qemuIo(lun, HOST1, "read -P 0 0 64k").output()).as("qemu sees the LUN's write-protect bit")
                .contains("LUN is write protected");
        assertThat(Tools.run(List.of("iscsi-inq", "-i", HOST1, lun.url())).exitCode()).isZero();
        // libiscsi's own read-only suite: WRITE 10/12/16, WRITE SAME, UNMAP, ... each must fail with DATA PROTECT.
        String suite = Tools.run(List.of("iscsi-test-cu", "-d", "-V", "-i", HOST1, "--test", "SCSI.ReadOnly.ReadOnlySBC", lun.url()), 300)
                .output();
        assertThat(suite).contains("[OK] WRITE10 returned CHECK_CONDITION DATA PROTECTION(0x07) WRITE_PROTECTED(0x2700)")
                .doesNotContain("SKIPPED").doesNotContain("[FAILED]")
                .containsPattern("tests\\s+1\\s+1\\s+1\\s+0");
    }

    @Test
    void discardThroughTheInitiatorGivesTheSpaceBack() throws Exception {
        Assumptions.assumeTrue(System.getProperty("mooring.executable") == null, "the native image is built without FFM"
                + " downcalls (experimental in GraalVM 25): its engine writes zeros for UNMAP and reports full provisioning");
        String volumeId = cinderCreate(null);
        Lun lun = connect(volumeId, HOST1, null);
        Path file = appliance.dataDir().resolve("volumes").resolve(volumeId + ".img");
        assertThat(qemuIo(lun, HOST1, "write -P 0xab 0 8M").requireSuccess().output()).contains("wrote 8388608/8388608");
        long written = allocatedBytes(file);
        assertThat(written).isGreaterThanOrEqualTo(8 << 20);

        // qemu sends UNMAP for a discard only when the LU's provisioning VPD page says it deallocates
        List<String> discard = qemuIoCommand(lun, HOST1, "discard 0 4M", "read -P 0 0 4M", "read -P 0xab 4M 4M");
        discard.add(1, "--discard=unmap");
        assertThat(Tools.run(discard).requireSuccess().output()).contains("discard 4194304/4194304")
                .doesNotContain("Pattern verification failed");
        assertThat(allocatedBytes(file)).as("blocks allocated to the volume file after the discard")
                .isLessThanOrEqualTo(written - (4 << 20));
    }

    @Test
    void aChapMinimumAboveWhatTheInitiatorOffersRefusesIt() throws Exception {
        try (Appliance strict = Appliance.fresh().withEnvironment("MOORING_ISCSI_CHAP_MINIMUM", "sha-256").start()) {
            String strictToken = strict.adminToken();
            String volumeId = given().baseUri(strict.baseUrl()).header("X-Auth-Token", strictToken)
                    .header("OpenStack-API-Version", "volume 3.70").contentType(ContentType.JSON)
                    .body("{\"volume\": {\"size\": 1}}").post("/v3/" + PROJECT + "/volumes")
                    .then().statusCode(202).extract().path("volume.id");
            String body = "{\"attachment\": {\"volume_uuid\": \"" + volumeId + "\", \"instance_uuid\": \"" + UUID.randomUUID()
                    + "\", \"connector\": {\"initiator\": \"" + HOST1 + "\", \"host\": \"h\"}}}";
            Lun lun = Lun.of(given().baseUri(strict.baseUrl()).header("X-Auth-Token", strictToken)
                    .header("OpenStack-API-Version", "volume 3.54").contentType(ContentType.JSON).body(body)
                    .post("/v3/" + PROJECT + "/attachments").then().statusCode(200).extract().jsonPath());
            // Debian's libiscsi offers CHAP_A=5 (MD5) only: the right secret is refused for want of a stronger hash
            Tools.Result refused = Tools.run(List.of("iscsi-inq", "-i", HOST1, lun.url()));
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.output()).containsIgnoringCase("auth");
        }
    }

    @Test
    void multiattachVolumeServesTheSameDataToTwoInitiators() throws Exception {
        String volumeId = cinderCreate("multiattach");
        Lun first = connectAndComplete(volumeId, HOST1);
        Lun second = connectAndComplete(volumeId, HOST2);
        assertThat(volume(volumeId).getList("volume.attachments")).hasSize(2);
        assertThat(first.user()).isNotEqualTo(second.user());
        assertThat(first.iqn()).isEqualTo(second.iqn());
        qemuIo(first, HOST1, "write -P 0xcd 1M 1M").requireSuccess();
        assertThat(qemuIo(second, HOST2, "read -P 0xcd 1M 1M").requireSuccess().output()).doesNotContain("Pattern verification failed");
        assertThat(Tools.run(List.of("iscsi-inq", "-i", HOST2, first.url())).exitCode()).as("each host only with its own account").isNotZero();
    }

    @Test
    void killDuringWritesKeepsAcknowledgedDataAndCredentials() throws Exception {
        String volumeId = cinderCreate(null);
        Lun lun = Lun.of(createAttachment(volumeId, HOST1, null));
        String revokedVolume = cinderCreate(null);
        JsonPath revokedAttachment = createAttachment(revokedVolume, HOST1, null);
        Lun revoked = Lun.of(revokedAttachment);
        cinder("3.27", "attachment-delete", revokedAttachment.getString("attachment.id")).requireSuccess();

        qemuIo(lun, HOST1, "write -P 0x5a 0 4M", "flush").requireSuccess();
        Process writer = new ProcessBuilder(qemuIoCommand(lun, HOST1, writeLoop())).redirectErrorStream(true)
                .redirectOutput(appliance.workDir().resolve("writer.log").toFile()).start();
        Thread.sleep(1500);
        appliance.kill();
        writer.waitFor(30, TimeUnit.SECONDS);
        writer.destroyForcibly();

        appliance.start();
        long ready = System.nanoTime();
        Tools.Result login = Tools.run(List.of("iscsi-inq", "-i", HOST1, lun.url()));
        System.out.println("measured: ready to first login after restart: "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ready) + " ms");
        login.requireSuccess();
        assertThat(qemuIo(lun, HOST1, "read -P 0x5a 0 4M").requireSuccess().output()).doesNotContain("Pattern verification failed");
        assertThat(Tools.run(List.of("iscsi-inq", "-i", HOST1, revoked.url())).exitCode()).as("deleted attachment after restart").isNotZero();
    }

    private static String[] writeLoop() {
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            commands.add("write -P 0x77 " + (8 + (i % 64)) + "M 1M");
        }
        return commands.toArray(String[]::new);
    }

    private Lun connect(String volumeId, String initiator, String mode) {
        return Lun.of(createAttachment(volumeId, initiator, mode));
    }

    /** Connect, then os-complete (3.44) as Nova does once the host sees the disk. */
    private Lun connectAndComplete(String volumeId, String initiator) {
        JsonPath attachment = createAttachment(volumeId, initiator, null);
        given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).header("OpenStack-API-Version", "volume 3.44")
                .contentType(ContentType.JSON).body("{\"os-complete\": null}")
                .post("/v3/" + PROJECT + "/attachments/" + attachment.getString("attachment.id") + "/action")
                .then().statusCode(204);
        return Lun.of(attachment);
    }

    private JsonPath createAttachment(String volumeId, String initiator, String mode) {
        String body = "{\"attachment\": {\"volume_uuid\": \"" + volumeId + "\", \"instance_uuid\": \"" + UUID.randomUUID()
                + "\", \"connector\": {\"initiator\": \"" + initiator + "\", \"ip\": \"127.0.0.1\", \"host\": \"h\"}"
                + (mode == null ? "" : ", \"mode\": \"" + mode + "\"") + "}}";
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).header("OpenStack-API-Version", "volume 3.54")
                .contentType(ContentType.JSON).body(body).post("/v3/" + PROJECT + "/attachments")
                .then().statusCode(200).extract().jsonPath();
    }

    private JsonPath volume(String volumeId) {
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).header("OpenStack-API-Version", "volume 3.70")
                .get("/v3/" + PROJECT + "/volumes/" + volumeId).then().statusCode(200).extract().jsonPath();
    }

    private void awaitSessions(String targetIqn, int expected, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        int sessions = -1;
        while (System.nanoTime() < deadline) {
            sessions = sessionsOn(targetIqn);
            if (expected == 0 ? sessions == 0 : sessions >= expected) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("sessions on " + targetIqn + ": " + sessions + ", expected " + expected);
    }

    private int sessionsOn(String targetIqn) {
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token)
                .queryParam("target", targetIqn).get("/mooring/sessions")
                .then().statusCode(200).extract().jsonPath().getList("sessions").size();
    }

    private String cinderCreate(String volumeType) throws Exception {
        List<String> args = new ArrayList<>(List.of("create", "1"));
        if (volumeType != null) {
            args.addAll(List.of("--volume-type", volumeType));
        }
        String id = Tools.propertyTable(cinder(null, args.toArray(String[]::new)).requireSuccess().output()).get("id");
        assertThat(id).isNotBlank();
        return id;
    }

    private Tools.Result cinder(String microversion, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (microversion != null) {
            command.addAll(List.of("--os-volume-api-version", microversion));
        }
        command.addAll(List.of(args));
        return Tools.cinder(appliance.baseUrl(), token, PROJECT, command.toArray(String[]::new));
    }

    private Tools.Result qemuIo(Lun lun, String initiator, String... commands) throws IOException, InterruptedException {
        return Tools.run(qemuIoCommand(lun, initiator, commands));
    }

    /** qemu-io over libiscsi with the password in a file (not on the command line) and an explicit initiator name. */
    private List<String> qemuIoCommand(Lun lun, String initiator, String... commands) throws IOException {
        return Tools.qemuIoCommand(appliance.workDir(), lun.portal(), lun.iqn(), lun.user(), lun.password(), initiator, commands);
    }

    /** Bytes the filesystem has allocated to {@code file} ({@code stat}'s blocks times their size). */
    private static long allocatedBytes(Path file) throws IOException, InterruptedException {
        String[] blocks = Tools.run(List.of("stat", "-c", "%b %B", file.toString())).requireSuccess().output().trim().split(" ");
        return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
    }

    /** One LUN as an initiator reaches it: portal, target, CHAP account. */
    record Lun(String portal, String iqn, String user, String password) {
        static Lun of(JsonPath attachment) {
            return new Lun(attachment.getString("attachment.connection_info.target_portal"),
                    attachment.getString("attachment.connection_info.target_iqn"),
                    attachment.getString("attachment.connection_info.auth_username"),
                    attachment.getString("attachment.connection_info.auth_password"));
        }

        String url() {
            return "iscsi://" + user + "%" + password + "@" + portal + "/" + iqn + "/0";
        }

        String discoveryUrl() {
            return "iscsi://" + user + "%" + password + "@" + portal;
        }

        Lun withPassword(String other) {
            return new Lun(portal, iqn, user, other);
        }

        Lun withCredentialsOf(Lun other) {
            return new Lun(portal, iqn, other.user, other.password);
        }
    }
}
