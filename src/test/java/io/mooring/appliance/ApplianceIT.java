package io.mooring.appliance;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The appliance as an operator runs it: README's command, no configuration, its own embedded PostgreSQL. */
class ApplianceIT {

    static final String PROJECT = "0123456789abcdef0123456789abcdef";

    private Appliance appliance;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    void keepsVolumesAcrossRestartsAndLeavesNoPostgresBehind() throws Exception {
        appliance = Appliance.fresh().start();
        Path tokenFile = appliance.dataDir().resolve("admin-token");
        assertThat(Files.getPosixFilePermissions(tokenFile)).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        String token = appliance.adminToken();
        assertThat(Files.readString(appliance.log())).doesNotContain(token);
        assertThat(appliance.postgresProcesses()).isNotEmpty();

        String volumeId = createVolume(token);
        assertThat(volumeStatus(token, volumeId)).isEqualTo("available");

        assertThat(appliance.stop()).isIn(0, 130, 143);
        assertThat(appliance.postgresProcesses()).as("postgres after a clean stop").isEmpty();

        appliance.start();
        assertThat(appliance.adminToken()).as("the admin token survives restarts").isEqualTo(token);
        assertThat(volumeStatus(token, volumeId)).isEqualTo("available");

        appliance.kill();
        awaitNoPostgres(Duration.ofSeconds(10));

        appliance.start();
        assertThat(volumeStatus(token, volumeId)).as("after kill -9 and PostgreSQL's crash recovery").isEqualTo("available");
        appliance.stop();
        assertThat(appliance.postgresProcesses()).isEmpty();
    }

    @Test
    void refusesRequestsWithoutAValidToken() throws Exception {
        appliance = Appliance.fresh().start();
        given().baseUri(appliance.baseUrl()).header("OpenStack-API-Version", "volume 3.70")
                .get("/v3/" + PROJECT + "/volumes")
                .then().statusCode(401).body("unauthorized.code", org.hamcrest.Matchers.equalTo(401));
        given().baseUri(appliance.baseUrl()).header("X-Auth-Token", "wrong").header("OpenStack-API-Version", "volume 3.70")
                .get("/v3/" + PROJECT + "/volumes")
                .then().statusCode(401);
    }

    private String createVolume(String token) {
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).header("OpenStack-API-Version", "volume 3.70")
                .contentType(ContentType.JSON).body("{\"volume\": {\"size\": 1, \"name\": \"kept\"}}")
                .post("/v3/" + PROJECT + "/volumes")
                .then().statusCode(202).extract().path("volume.id");
    }

    private String volumeStatus(String token, String volumeId) {
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).header("OpenStack-API-Version", "volume 3.70")
                .get("/v3/" + PROJECT + "/volumes/" + volumeId)
                .then().statusCode(200).extract().path("volume.status");
    }

    private void awaitNoPostgres(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!appliance.postgresProcesses().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(appliance.postgresProcesses()).as("postgres after kill -9 of the appliance").isEmpty();
    }
}
