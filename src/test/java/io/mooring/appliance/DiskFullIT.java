package io.mooring.appliance;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 9's disk-full proof against the packaged appliance: its data directory is a small ext4 filesystem on a loop
 * device, filled through the iSCSI write path. The initiator gets SPACE ALLOCATION FAILED (qemu-io: ENOSPC), the API
 * 503 or the capacity error and never a 500, PostgreSQL keeps working on its released reserve (no PANIC), and once a
 * file on the filesystem is deleted everything works again without a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiskFullIT {

    static final String PROJECT = AttachmentExportIT.PROJECT;
    static final String HOST = AttachmentExportIT.HOST1;
    static final long MIB = 1L << 20;
    static final int FILESYSTEM_MIB = 320;
    /** Planted before the fill and deleted to free space, as an operator would delete something. */
    static final int SCRATCH_MIB = 112;

    private Appliance appliance;
    private Path image;
    private Path mountPoint;
    private boolean mounted;
    private String token;

    @BeforeAll
    void startOnASmallFilesystem() throws Exception {
        appliance = Appliance.fresh();
        image = appliance.workDir().resolve("data.ext4");
        mountPoint = Files.createDirectories(appliance.dataDir());
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(FILESYSTEM_MIB * MIB);
        }
        Tools.run(List.of("mkfs.ext4", "-q", "-m", "0", "-b", "4096", image.toString())).requireSuccess();
        Tools.Result mount = Tools.run(List.of("mount", "-o", "loop", image.toString(), mountPoint.toString()));
        if (mount.exitCode() != 0) {
            throw new AssertionError("DiskFullIT needs root and loop devices to mount a small ext4 filesystem (mount -o loop "
                    + image + " " + mountPoint + "): " + mount.output());
        }
        mounted = true;
        // PostgreSQL runs as the postgres user when the tests run as root: the data directory must be traversable.
        Files.setPosixFilePermissions(mountPoint, PosixFilePermissions.fromString("rwxr-xr-x"));
        appliance.withEnvironment("MOORING_SPACE_POSTGRES_RESERVE", "48M")
                .withEnvironment("MOORING_SPACE_EMERGENCY_FREE", "16M")
                .withEnvironment("MOORING_SPACE_MIN_FREE", "16M")
                .start();
        token = appliance.adminToken();
    }

    @AfterAll
    void unmount() throws Exception {
        try {
            if (appliance != null && appliance.isRunning()) {
                appliance.stop();
            }
        } finally {
            if (mounted) {
                Path postgresLog = appliance.dataDir().resolve("postgres").resolve("postgres.log");
                if (Files.exists(postgresLog)) {
                    Files.copy(postgresLog, appliance.workDir().resolve("postgres.log"));
                }
                awaitUnmount();
            }
            Files.deleteIfExists(image);
        }
    }

    @Test
    void fullDiskAnswersCleanlyAndRecoversWithoutARestart() throws Exception {
        assertThat(Files.size(appliance.dataDir().resolve("space-reserve"))).as("the PostgreSQL reserve is written").isEqualTo(48 * MIB);

        // A create that would overcommit: 1 + 1 + 6 GiB over a 0.28 GiB filesystem is beyond the default ratio of 20.
        String volumeId = createVolume(1);
        String spareId = createVolume(1);
        Tools.Result overcommit = cinder("create", "6");
        assertThat(overcommit.exitCode()).isNotZero();
        assertThat(overcommit.output()).contains("Insufficient free space for thin provisioning. The ratio of provisioned capacity"
                + " over total capacity").contains("has exceeded the maximum over subscription ratio 20.00").contains("(HTTP 413)");

        AttachmentExportIT.Lun lun = connect(volumeId);
        plantScratchFile();
        long linesBefore = Files.readAllLines(appliance.log()).size();
        Tools.Result fill = qemuIo(lun, "write -P 0xab 0 512M");
        assertThat(fill.output()).as("the initiator sees SPACE ALLOCATION FAILED as ENOSPC").contains("No space left on device");
        long full = System.nanoTime();
        awaitReady(false, 10);
        long lowAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - full);
        JsonPath space = staysDown(3);
        assertReserveReleased(space);

        Response refused = api().contentType(ContentType.JSON).body("{\"volume\": {\"size\": 1}}").post("/v3/" + PROJECT + "/volumes");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.jsonPath().getInt("serviceUnavailable.code")).isEqualTo(503);
        assertThat(refused.jsonPath().getString("serviceUnavailable.message")).contains("data filesystem is full");
        api().get("/v3/" + PROJECT + "/volumes/" + volumeId).then().statusCode(200);
        assertThat(qemuIo(lun, "write -P 0xcd 0 1M").output()).as("writes stay refused while low").contains("No space left on device");
        // PostgreSQL commits on the released reserve: a delete (how space comes back) works on a full disk.
        api().delete("/v3/" + PROJECT + "/volumes/" + spareId).then().statusCode(202);
        awaitGone(spareId);

        Files.delete(appliance.dataDir().resolve("scratch"));
        long freed = System.nanoTime();
        awaitReady(true, 15);
        long linesLogged = Files.readAllLines(appliance.log()).size() - linesBefore;
        System.out.printf("measured: %d log lines from the fill to the recovery (refused writes, 503s, polls included)%n", linesLogged);
        assertThat(linesLogged).as("a line per state change, none per refused request").isLessThanOrEqualTo(3);
        System.out.printf("measured: readiness DOWN %d ms after qemu-io's ENOSPC; UP again %d ms after the scratch file was"
                + " deleted%n", lowAfter, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - freed));
        assertThat(Files.size(appliance.dataDir().resolve("space-reserve"))).as("the reserve is written again").isEqualTo(48 * MIB);

        assertThat(qemuIo(lun, "write -P 0xcd 0 1M", "read -P 0xcd 0 1M").requireSuccess().output())
                .doesNotContain("Pattern verification failed").doesNotContain("No space left");
        String afterwards = createVolume(1);
        assertThat(qemuIo(connect(afterwards), "write -P 0x5a 0 4M", "read -P 0x5a 0 4M").requireSuccess().output())
                .doesNotContain("Pattern verification failed");

        // Filled to the last block by something else: PostgreSQL gets the released reserve, the API still answers cleanly.
        String spare = createVolume(1);
        Path foreign = appliance.dataDir().resolve("foreign");
        long filled = fillUntilFull(foreign);
        awaitReady(false, 10);
        assertReserveReleased(staysDown(2));
        api().contentType(ContentType.JSON).body("{\"volume\": {\"size\": 1}}").post("/v3/" + PROJECT + "/volumes")
                .then().statusCode(503);
        assertThat(qemuIo(lun, "write -P 0xee 0 1M").output()).contains("No space left on device");
        api().delete("/v3/" + PROJECT + "/volumes/" + spare).then().statusCode(202);
        awaitGone(spare);
        api().get("/v3/" + PROJECT + "/volumes").then().statusCode(200);
        Files.delete(foreign);
        awaitReady(true, 15);
        assertThat(qemuIo(lun, "write -P 0x11 0 1M", "read -P 0x11 0 1M").requireSuccess().output())
                .doesNotContain("Pattern verification failed");
        createVolume(1);
        System.out.printf("measured: a foreign file filled the last %d MiB; the appliance recovered once it was deleted%n", filled / MIB);

        String postgresLog = Files.readString(appliance.dataDir().resolve("postgres").resolve("postgres.log"));
        assertThat(postgresLog).as("PostgreSQL never PANICs").doesNotContain("PANIC");
        String log = Files.readString(appliance.log());
        assertThat(log).as("no request answered 500").doesNotContain("Request failed");
        assertThat(count(log, "Low on space")).as("one line each time the low-space state begins").isEqualTo(2);
        assertThat(count(log, "Space recovered")).as("one line each time it ends").isEqualTo(2);
        assertThat(appliance.isRunning()).isTrue();
    }

    /** Really written, so deleting it gives this much space back. */
    private void plantScratchFile() throws IOException {
        try (FileChannel channel = FileChannel.open(appliance.dataDir().resolve("scratch"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer ones = ByteBuffer.allocate((int) MIB);
            while (ones.hasRemaining()) {
                ones.put((byte) 1);
            }
            for (int i = 0; i < SCRATCH_MIB; i++) {
                channel.write(ones.flip(), i * MIB);
            }
            channel.force(true);
        }
    }

    /** Writes 1 MiB chunks until the filesystem refuses; returns how much it took. */
    private static long fillUntilFull(Path file) throws IOException {
        ByteBuffer ones = ByteBuffer.allocate((int) MIB);
        while (ones.hasRemaining()) {
            ones.put((byte) 1);
        }
        long written = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (true) {
                ones.clear();
                written += channel.write(ones, written);
                channel.force(false);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left on device");
            return written;
        }
    }

    private String createVolume(int sizeGib) throws InterruptedException {
        String id = api().contentType(ContentType.JSON).body("{\"volume\": {\"size\": " + sizeGib + "}}")
                .post("/v3/" + PROJECT + "/volumes").then().statusCode(202).extract().jsonPath().getString("volume.id");
        for (int i = 0; i < 100; i++) {
            String status = api().get("/v3/" + PROJECT + "/volumes/" + id).then().statusCode(200).extract().jsonPath().getString("volume.status");
            if (status.equals("available")) {
                return id;
            }
            assertThat(status).isEqualTo("creating");
            Thread.sleep(100);
        }
        throw new AssertionError("volume " + id + " never became available");
    }

    private AttachmentExportIT.Lun connect(String volumeId) {
        String body = "{\"attachment\": {\"volume_uuid\": \"" + volumeId + "\", \"instance_uuid\": \"" + UUID.randomUUID()
                + "\", \"connector\": {\"initiator\": \"" + HOST + "\", \"ip\": \"127.0.0.1\", \"host\": \"h\"}}}";
        JsonPath attachment = api().header("OpenStack-API-Version", "volume 3.54").contentType(ContentType.JSON).body(body)
                .post("/v3/" + PROJECT + "/attachments").then().statusCode(200).extract().jsonPath();
        return AttachmentExportIT.Lun.of(attachment);
    }

    private void awaitGone(String volumeId) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (api().get("/v3/" + PROJECT + "/volumes/" + volumeId).statusCode() == 404) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("volume " + volumeId + " was not deleted on the full disk");
    }

    /** Readiness stays DOWN for that long (several space checks); returns the disk-space check's data. */
    /**
     * Volume writes stopped at emergency-free and the reserve file was deleted, so its space is PostgreSQL's. PostgreSQL
     * and the appliance's log may already have used a little of it (a clean-clone run saw 4 KiB gone).
     */
    private void assertReserveReleased(JsonPath space) {
        assertThat(appliance.dataDir().resolve("space-reserve")).as("the PostgreSQL reserve is released").doesNotExist();
        assertThat(space.getLong("usableBytes")).as("the released reserve is free for PostgreSQL").isGreaterThanOrEqualTo(47 * MIB);
    }

    private JsonPath staysDown(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Response response;
        do {
            response = given().baseUri(appliance.baseUrl()).get("/q/health/ready");
            assertThat(response.statusCode()).as("still low on space: %s", response.asString()).isEqualTo(503);
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        return new JsonPath(response.asString()).setRootPath("checks.find { it.name == 'disk-space' }.data");
    }

    private void awaitReady(boolean ready, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String health = "";
        while (System.nanoTime() < deadline) {
            Response response = given().baseUri(appliance.baseUrl()).get("/q/health/ready");
            health = response.asString();
            if ((response.statusCode() == 200) == ready) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("readiness did not become " + (ready ? "UP" : "DOWN") + " within " + seconds + " s: " + health);
    }

    private io.restassured.specification.RequestSpecification api() {
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token);
    }

    private Tools.Result cinder(String... args) throws IOException, InterruptedException {
        return Tools.cinder(appliance.baseUrl(), token, PROJECT, args);
    }

    /** qemu-io over libiscsi with the CHAP password in a file outside the small filesystem. */
    private Tools.Result qemuIo(AttachmentExportIT.Lun lun, String... commands) throws IOException, InterruptedException {
        return Tools.run(Tools.qemuIoCommand(appliance.workDir(), lun.portal(), lun.iqn(), lun.user(), lun.password(), HOST, commands), 300);
    }

    private void awaitUnmount() throws IOException, InterruptedException {
        Tools.Result result = null;
        for (int i = 0; i < 50; i++) {
            result = Tools.run(List.of("umount", mountPoint.toString()));
            if (result.exitCode() == 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("could not unmount " + mountPoint + ": " + result.output());
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            count++;
        }
        return count;
    }
}
