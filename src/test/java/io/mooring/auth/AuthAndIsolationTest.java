package io.mooring.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.mooring.api.Api;
import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Tokens (issue 4 "Access") and project isolation (acceptance checks 28, 29). */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class AuthAndIsolationTest {

    private static final String UNAUTHORIZED = "The request you have made requires authentication.";

    @Test
    void everyV3CallNeedsAKnownToken() {
        String project = Api.newProject();
        given().get("/v3/" + project + "/volumes").then().statusCode(401)
                .body("unauthorized.code", equalTo(401)).body("unauthorized.message", equalTo(UNAUTHORIZED));
        given().header("X-Auth-Token", "guess").header("OpenStack-API-Version", "volume 3.27")
                .get("/v3/" + project + "/attachments").then().statusCode(401).body("unauthorized.message", equalTo(UNAUTHORIZED));
        given().header("X-Auth-Token", "").post("/mooring/tokens").then().statusCode(401);
    }

    @Test
    void theAdminTokenIsPrivateAndOnlyItsHashIsStored() throws Throwable {
        Path dataDir = ConfigProvider.getConfig().getValue("mooring.data-dir", Path.class);
        Path tokenFile = dataDir.resolve("admin-token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("secret.key")))).isEqualTo("rw-------");
        String token = Api.adminToken();
        assertThat(token).hasSizeGreaterThanOrEqualTo(40);
        List<AuthToken> rows = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> AuthToken.<AuthToken>listAll()));
        assertThat(rows).extracting(r -> r.tokenHash).contains(TokenService.hash(token)).doesNotContain(token);
        assertThat(rows).filteredOn(r -> r.tokenHash.equals(TokenService.hash(token))).extracting(r -> r.role).containsExactly("admin");
    }

    @Test
    void adminsMintMemberTokens() {
        String project = Api.newProject();
        String member = given().header("X-Auth-Token", Api.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("token", Map.of("project_id", project, "role", "member", "description", "ci")))
                .post("/mooring/tokens").then().statusCode(201)
                .body("token.project_id", equalTo(project)).body("token.role", equalTo("member"))
                .extract().path("token.id");
        Api.as(member, "3.70").get("/v3/" + project + "/volumes").then().statusCode(200);
        // a member cannot mint
        given().header("X-Auth-Token", member).contentType(ContentType.JSON).body(Map.of("token", Map.of("project_id", project)))
                .post("/mooring/tokens").then().statusCode(403).body("forbidden.code", equalTo(403));
        // project ids must be what Cinder recognises in a URL; roles are admin or member
        given().header("X-Auth-Token", Api.adminToken()).contentType(ContentType.JSON).body(Map.of("token", Map.of("project_id", "Not Hex")))
                .post("/mooring/tokens").then().statusCode(400).body("badRequest.code", equalTo(400));
        given().header("X-Auth-Token", Api.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("token", Map.of("project_id", project, "role", "root")))
                .post("/mooring/tokens").then().statusCode(400);
        given().header("X-Auth-Token", Api.adminToken()).contentType(ContentType.JSON).body("{\"token\": {}}")
                .post("/mooring/tokens").then().statusCode(400)
                .body("badRequest.message", equalTo("Invalid input for field/attribute token. Value: {}. 'project_id' is a required property"));
    }

    @Test
    void aMemberCannotNameAnotherProjectInTheUrl() { // check 29
        Tenant a = Tenant.fresh();
        Tenant b = Tenant.fresh();
        b.at("3.70").get(a.url("/volumes")).then().statusCode(400).body("badRequest.message", equalTo("Malformed request url"));
        b.at("3.27").get(a.url("/attachments")).then().statusCode(400).body("badRequest.message", equalTo("Malformed request url"));
        // the project-less form means the token's own project
        String volume = b.createVolume();
        List<String> ids = b.at("3.70").get("/v3/volumes/detail").then().statusCode(200).extract().jsonPath().getList("volumes.id");
        assertThat(ids).containsExactly(volume);
    }

    @Test
    void anotherProjectsResourcesDoNotExist() { // check 29
        Tenant a = Tenant.fresh();
        Tenant b = Tenant.fresh();
        String volume = a.createVolume();
        String attachment = a.reserveOk(volume, UUID.randomUUID().toString());

        b.at("3.70").get(b.url("/volumes/" + volume)).then().statusCode(404)
                .body("itemNotFound.message", equalTo("Volume " + volume + " could not be found."));
        b.at("3.70").delete(b.url("/volumes/" + volume)).then().statusCode(404);
        b.reserve(volume, UUID.randomUUID().toString()).then().statusCode(404)
                .body("itemNotFound.message", equalTo("Volume " + volume + " could not be found."));
        String notFound = "Volume attachment could not be found with filter: attachment_id = " + attachment + ".";
        b.at("3.70").get(b.url("/attachments/" + attachment)).then().statusCode(404).body("itemNotFound.message", equalTo(notFound));
        b.connect(attachment, "iqn.2026-11.thief:1").then().statusCode(404).body("itemNotFound.message", equalTo(notFound));
        b.complete(attachment).then().statusCode(404);
        b.deleteAttachment(attachment).then().statusCode(404);
        assertThat(b.at("3.70").get(b.url("/volumes/detail?all_tenants=1")).then().statusCode(200).extract().jsonPath().getList("volumes.id"))
                .doesNotContain(volume);
        assertThat(b.at("3.70").get(b.url("/attachments?all_tenants=1&volume_id=" + volume)).then().statusCode(200)
                .extract().jsonPath().getList("attachments")).isEmpty();
        b.at("3.70").get(b.url("/attachments?marker=" + attachment)).then().statusCode(404);

        // nothing changed for the owner
        assertThat(a.volumeStatus(volume)).isEqualTo("reserved");
        a.at("3.70").get(a.url("/attachments/" + attachment)).then().statusCode(200).body("attachment.status", equalTo("reserved"));
    }

    @Test
    void adminsActInTheProjectTheUrlNames() {
        Tenant member = Tenant.fresh();
        Tenant admin = Tenant.admin(member.project());
        String volume = admin.createVolume();
        member.at("3.70").get(member.url("/volumes/" + volume)).then().statusCode(200)
                .body("volume.'os-vol-tenant-attr:tenant_id'", equalTo(member.project()));
        List<String> all = admin.at("3.70").get(admin.url("/volumes/detail?all_tenants=1")).then().statusCode(200)
                .extract().jsonPath().getList("volumes.id");
        assertThat(all).contains(volume);
    }
}
