package io.mooring.appliance;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Login throttling of the packaged appliance, configured through the environment (threshold 3, a back-off long
 * enough to outlast the test): libiscsi's wrong-secret logins are refused with Service Unavailable after the
 * threshold, even once the secret is right, while the same host's other volume and another host still log in; the
 * log has exactly one line about it and no secret.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoginThrottleIT {

    static final String PROJECT = "0123456789abcdef0123456789abcdef";
    static final String HOST = "iqn.2024-01.test:throttled";
    static final String OTHER_HOST = "iqn.2024-01.test:neighbour";
    static final String WRONG = "guessedsecret1234";
    static final int THRESHOLD = 3;

    private Appliance appliance;
    private String token;

    @BeforeAll
    void start() throws Exception {
        appliance = Appliance.fresh()
                .withEnvironment("MOORING_ISCSI_LOGIN_THROTTLE_THRESHOLD", Integer.toString(THRESHOLD))
                .withEnvironment("MOORING_ISCSI_LOGIN_THROTTLE_INITIAL_BACKOFF", "10m")
                .withEnvironment("MOORING_ISCSI_LOGIN_THROTTLE_MAX_BACKOFF", "10m")
                .start();
        token = appliance.adminToken();
    }

    @AfterAll
    void stop() throws InterruptedException {
        appliance.close();
    }

    @Test
    void wrongLoginsAreRefusedAfterTheThresholdAndSaidSoOnce() throws Exception {
        AttachmentExportIT.Lun guessed = connect(createVolume(), HOST);
        AttachmentExportIT.Lun sameHostOtherVolume = connect(createVolume(), HOST);
        AttachmentExportIT.Lun otherHost = connect(createVolume(), OTHER_HOST);
        assertThat(inq(HOST, guessed)).as("the right secret before any failure").contains("DIRECT_ACCESS");

        for (int i = 0; i < THRESHOLD; i++) {
            assertThat(inq(HOST, guessed.withPassword(WRONG))).as("guess %d", i + 1).contains("Authentication failure");
        }
        assertThat(inq(HOST, guessed.withPassword(WRONG))).as("the guess after the threshold")
                .contains("Service unavailable");
        assertThat(inq(HOST, guessed)).as("even the right secret, during the back-off").contains("Service unavailable");
        assertThat(inq(HOST, guessed.withPassword(WRONG))).contains("Service unavailable");

        assertThat(inq(HOST, sameHostOtherVolume)).as("the same host's other volume").contains("DIRECT_ACCESS");
        assertThat(inq(OTHER_HOST, otherHost)).as("another host").contains("DIRECT_ACCESS");

        String log = Files.readString(appliance.log());
        List<String> throttleLines = log.lines().filter(line -> line.contains("iSCSI logins of")).toList();
        assertThat(throttleLines).as("one line for the back-off, none per attempt").hasSize(1);
        assertThat(throttleLines.get(0)).contains("WARN", HOST, guessed.iqn(), "127.0.0.1", "refused for 600 s",
                THRESHOLD + " failed logins within 60 s");
        assertThat(log).doesNotContain(WRONG).doesNotContain(guessed.password());
    }

    /** iscsi-inq's output: the inquiry data when it logged in, libiscsi's login status when not. */
    private static String inq(String initiator, AttachmentExportIT.Lun lun) throws Exception {
        Tools.Result result = Tools.run(List.of("iscsi-inq", "-i", initiator, lun.url()), 60);
        assertThat(result.exitCode() == 0).as(result.output()).isEqualTo(result.output().contains("DIRECT_ACCESS"));
        return result.output();
    }

    private String createVolume() {
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token)
                .contentType(ContentType.JSON).body("{\"volume\": {\"size\": 1}}").post("/v3/" + PROJECT + "/volumes")
                .then().statusCode(202).extract().jsonPath().getString("volume.id");
    }

    private AttachmentExportIT.Lun connect(String volumeId, String initiator) {
        String body = "{\"attachment\": {\"volume_uuid\": \"" + volumeId + "\", \"instance_uuid\": \"" + UUID.randomUUID()
                + "\", \"connector\": {\"initiator\": \"" + initiator + "\", \"ip\": \"127.0.0.1\", \"host\": \"h\"}}}";
        JsonPath attachment = given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token)
                .header("OpenStack-API-Version", "volume 3.54").contentType(ContentType.JSON).body(body)
                .post("/v3/" + PROJECT + "/attachments").then().statusCode(200).extract().jsonPath();
        return AttachmentExportIT.Lun.of(attachment);
    }
}
