package io.mooring.appliance;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 11 item 2's proof against the packaged appliance: qemu-io, logged in with an attachment's CHAP credentials,
 * keeps writing while {@code cinder --os-volume-api-version 3.42 extend} grows the in-use volume. Its session survives
 * and its writes go on (qemu retries the one command that reports CAPACITY DATA HAS CHANGED), READ CAPACITY(16) of a
 * new login answers the new size, what was written before reads back byte-exact and the new space reads zeros.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveExtendIT {

    static final String PROJECT = "0123456789abcdef0123456789abcdef";
    static final String HOST = "iqn.2024-01.test:live-extend";
    static final long GIB = 1L << 30;
    static final int WRITES = 300;

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
    void anInUseVolumeGrowsUnderAWritingInitiator() throws Exception {
        String volumeId = Tools.propertyTable(cinder("create", "1").requireSuccess().output()).get("id");
        AttachmentExportIT.Lun lun = connectAndComplete(volumeId);
        assertThat(volume(volumeId).getString("volume.status")).isEqualTo("in-use");
        byte[] before = new byte[64 << 10];
        new java.util.Random(42).nextBytes(before);
        Path beforeFile = Files.write(appliance.workDir().resolve("before.bin"), before);
        Tools.run(qemuIo(lun, "write -s " + beforeFile + " 0 64k", "write -P 0x5a 64k 4032k", "flush")).requireSuccess();

        List<String> loop = new ArrayList<>();
        for (int i = 0; i < WRITES; i++) {
            loop.add("write -P 0x77 " + (8 + i % 64) + "M 1M");
            loop.add("sleep 50");
        }
        Path writerLog = appliance.workDir().resolve("extend-writer.log");
        Process writer = new ProcessBuilder(qemuIo(lun, loop.toArray(String[]::new))).redirectErrorStream(true)
                .redirectOutput(writerLog.toFile()).start();
        try {
            Map<String, Object> session = awaitBytesIn(lun.iqn(), -1, 5L << 20);
            int tsih = (Integer) session.get("tsih");

            long started = System.nanoTime();
            Tools.Result extended = cinder("--os-volume-api-version", "3.42", "extend", volumeId, "2");
            long extendMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(extended.exitCode()).as(extended.output()).isZero();
            Map<String, Object> atExtend = awaitBytesIn(lun.iqn(), tsih, 0);
            assertThat(atExtend.get("tsih")).as("the writer's session survived the extend").isEqualTo(tsih);
            long bytesAtExtend = ((Number) atExtend.get("bytesIn")).longValue();
            Map<String, Object> later = awaitBytesIn(lun.iqn(), tsih, bytesAtExtend + (4L << 20));
            System.out.println("measured: cinder extend of an in-use volume under qemu-io writes took " + extendMillis + " ms; the session"
                    + " (TSIH " + tsih + ") wrote " + bytesAtExtend + " bytes before and " + later.get("bytesIn") + " by now");

            assertThat(writer.waitFor(180, TimeUnit.SECONDS)).as("qemu-io finished its writes").isTrue();
            String log = Files.readString(writerLog);
            assertThat(writer.exitValue()).as(log).isZero();
            assertThat(log.lines().filter(line -> line.startsWith("wrote 1048576/1048576 bytes"))).as(log).hasSize(WRITES);
            assertThat(log).as("qemu was told, and retried").contains("CAPACITY_DATA_HAS_CHANGED");
        } finally {
            writer.destroyForcibly();
        }

        assertThat(volume(volumeId).getString("volume.status")).isEqualTo("in-use");
        assertThat(volume(volumeId).getInt("volume.size")).isEqualTo(2);
        assertThat(Files.size(appliance.dataDir().resolve("volumes").resolve(volumeId + ".img"))).isEqualTo(2 * GIB);
        assertThat(Tools.run(List.of("iscsi-readcapacity16", "-i", HOST, lun.url())).requireSuccess().output())
                .contains("Total size:" + 2 * GIB);
        String dump = Tools.run(qemuIo(lun, "read -v 0 64k")).requireSuccess().output();
        assertThat(hexDump(dump)).as("written before the extend, read back byte-exact").isEqualTo(before);
        String reads = Tools.run(qemuIo(lun, "read -P 0x5a 64k 4032k", "read -P 0x77 8M 64M", "read -P 0 1G 1M", "read -P 0 2047M 1M")).requireSuccess().output();
        assertThat(reads).doesNotContain("Pattern verification failed").contains("read 1048576/1048576 bytes at offset 2146435072");
    }

    /** The session of {@code tsih} (-1: the only one) on {@code iqn}, once it has written at least {@code bytes}. */
    private Map<String, Object> awaitBytesIn(String iqn, int tsih, long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<Map<String, Object>> sessions = List.of();
        while (System.nanoTime() < deadline) {
            sessions = given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).queryParam("target", iqn)
                    .get("/mooring/sessions").then().statusCode(200).extract().jsonPath().getList("sessions");
            for (Map<String, Object> session : sessions) {
                if ((tsih < 0 || session.get("tsih").equals(tsih)) && ((Number) session.get("bytesIn")).longValue() >= bytes) {
                    return session;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no session " + (tsih < 0 ? "" : tsih + " ") + "of " + iqn + " wrote " + bytes + " bytes: " + sessions);
    }

    private AttachmentExportIT.Lun connectAndComplete(String volumeId) {
        String body = "{\"attachment\": {\"volume_uuid\": \"" + volumeId + "\", \"instance_uuid\": \"" + UUID.randomUUID()
                + "\", \"connector\": {\"initiator\": \"" + HOST + "\", \"ip\": \"127.0.0.1\", \"host\": \"h\"}}}";
        JsonPath attachment = given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).header("OpenStack-API-Version", "volume 3.54")
                .contentType(ContentType.JSON).body(body).post("/v3/" + PROJECT + "/attachments")
                .then().statusCode(200).extract().jsonPath();
        given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).header("OpenStack-API-Version", "volume 3.44")
                .contentType(ContentType.JSON).body("{\"os-complete\": null}")
                .post("/v3/" + PROJECT + "/attachments/" + attachment.getString("attachment.id") + "/action")
                .then().statusCode(204);
        return AttachmentExportIT.Lun.of(attachment);
    }

    private JsonPath volume(String volumeId) {
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).header("OpenStack-API-Version", "volume 3.70")
                .get("/v3/" + PROJECT + "/volumes/" + volumeId).then().statusCode(200).extract().jsonPath();
    }

    private Tools.Result cinder(String... args) throws IOException, InterruptedException {
        return Tools.cinder(appliance.baseUrl(), token, PROJECT, args);
    }

    /** The bytes of qemu-io's {@code read -v} dump ({@code 00000000:  ab cd ... 16 bytes  ascii}). */
    private static byte[] hexDump(String output) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("^[0-9a-f]{8}:\\s+((?:[0-9a-f]{2} ){16})", java.util.regex.Pattern.MULTILINE);
        java.util.regex.Matcher m = line.matcher(output);
        while (m.find()) {
            for (String hex : m.group(1).trim().split(" ")) {
                bytes.write(Integer.parseInt(hex, 16));
            }
        }
        return bytes.toByteArray();
    }

    private List<String> qemuIo(AttachmentExportIT.Lun lun, String... commands) throws IOException {
        return Tools.qemuIoCommand(appliance.workDir(), lun.portal(), lun.iqn(), lun.user(), lun.password(), HOST, commands);
    }
}
