package io.mooring.api;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.ConfigProvider;

/** Test client for Mooring's Cinder API: tokens, microversions and the few calls every test needs. */
public final class Api {

    public static final String LATEST = "3.70";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Map<String, String> MEMBER_TOKENS = new ConcurrentHashMap<>();

    private Api() {
    }

    /** The token the running app generated into its data directory. */
    public static String adminToken() {
        Path file = ConfigProvider.getConfig().getValue("mooring.data-dir", Path.class).resolve("admin-token");
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh hex project id (Cinder only treats [0-9a-f-] path segments as project ids). */
    public static String newProject() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** A member token of {@code project}, minted once through the admin endpoint. */
    public static String memberToken(String project) {
        return MEMBER_TOKENS.computeIfAbsent(project, p -> given()
                .header("X-Auth-Token", adminToken())
                .contentType(ContentType.JSON)
                .body(Map.of("token", Map.of("project_id", p, "role", "member")))
                .post("/mooring/tokens")
                .then().statusCode(201)
                .extract().path("token.id"));
    }

    /** A request as {@code token} at microversion {@code version} (null: no header). */
    public static RequestSpecification as(String token, String version) {
        RequestSpecification spec = given().header("X-Auth-Token", token).contentType(ContentType.JSON);
        return version == null ? spec : spec.header("OpenStack-API-Version", "volume " + version);
    }

    /** A member of a project: its token and its URL prefix. */
    public record Tenant(String project, String token) {

        public static Tenant fresh() {
            String project = newProject();
            return new Tenant(project, memberToken(project));
        }

        public static Tenant admin(String project) {
            return new Tenant(project, adminToken());
        }

        public RequestSpecification at(String version) {
            return as(token, version);
        }

        public String url(String path) {
            return "/v3/" + project + path;
        }

        public String createVolume(String type) {
            Map<String, Object> volume = type == null ? Map.of("size", 1, "name", "v-" + UUID.randomUUID())
                    : Map.of("size", 1, "name", "v-" + UUID.randomUUID(), "volume_type", type);
            return at(LATEST).body(Map.of("volume", volume)).post(url("/volumes"))
                    .then().statusCode(202).extract().path("volume.id");
        }

        public String createVolume() {
            return createVolume(null);
        }

        public String volumeStatus(String volumeId) {
            return at(LATEST).get(url("/volumes/" + volumeId)).then().statusCode(200).extract().path("volume.status");
        }

        public Response reserve(String volumeId, String instance) {
            Map<String, Object> attachment = instance == null ? Map.of("volume_uuid", volumeId)
                    : Map.of("volume_uuid", volumeId, "instance_uuid", instance);
            return at(LATEST).body(Map.of("attachment", attachment)).post(url("/attachments"));
        }

        public String reserveOk(String volumeId, String instance) {
            return reserve(volumeId, instance).then().statusCode(200).extract().path("attachment.id");
        }

        public Response connect(String attachmentId, String initiator) {
            return at(LATEST).body(Map.of("attachment", Map.of("connector", connector(initiator))))
                    .put(url("/attachments/" + attachmentId));
        }

        /** A create with a connector (reserve and connect in one call, as Nova does from 3.54). */
        public Response createConnected(String volumeId, String instance, String initiator) {
            return at(LATEST).body(Map.of("attachment", Map.of("volume_uuid", volumeId, "instance_uuid", instance,
                    "connector", connector(initiator)))).post(url("/attachments"));
        }

        public Response complete(String attachmentId) {
            return at(LATEST).body("{\"os-complete\": null}").post(url("/attachments/" + attachmentId + "/action"));
        }

        public Response deleteAttachment(String attachmentId) {
            return at(LATEST).delete(url("/attachments/" + attachmentId));
        }
    }

    /** What os-brick / the CLI sends. */
    public static Map<String, Object> connector(String initiator) {
        return Map.of("initiator", initiator, "ip", "127.0.0.1", "platform", "x86_64", "host", "host-" + initiator.hashCode(),
                "os_type", "linux2", "multipath", false, "mountpoint", "/dev/vdb");
    }
}
