package io.mooring.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cinder reads request bodies as JSON only: any other Content-Type, or none, on a request with a body is a 415. */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class RequestMediaTypeTest {

    private Tenant tenant;
    private String volume;

    @BeforeEach
    void newTenant() {
        tenant = Tenant.fresh();
        volume = tenant.createVolume();
    }

    private String reserveBody() {
        return "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"instance_uuid\": \"" + UUID.randomUUID() + "\"}}";
    }

    @Test
    void aBodyThatIsNotDeclaredJsonIs415AndCreatesNothing() {
        for (String type : List.of("application/x-www-form-urlencoded", "text/plain", "application/xml", "application/vnd.openstack.volume+xml")) {
            given().header("X-Auth-Token", tenant.token()).header("OpenStack-API-Version", "volume 3.70")
                    .contentType(type).body(reserveBody())
                    .post(tenant.url("/attachments")).then().statusCode(415)
                    .header("OpenStack-API-Version", "volume 3.70")
                    .contentType("application/json")
                    .body("badMediaType.code", equalTo(415))
                    .body("badMediaType.message", equalTo("Unsupported Content-Type"));
        }
        tenant.at("3.70").get(tenant.url("/attachments")).then().statusCode(200).body("attachments", equalTo(List.of()));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
    }

    @Test
    void aBodyWithoutContentTypeIs415() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + RestAssured.port + tenant.url("/attachments")))
                .header("X-Auth-Token", tenant.token()).header("OpenStack-API-Version", "volume 3.70")
                .POST(HttpRequest.BodyPublishers.ofString(reserveBody())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.request().headers().firstValue("Content-Type")).isEmpty();
        assertThat(answer.statusCode()).isEqualTo(415);
        assertThat(JsonPath.from(answer.body()).getString("badMediaType.message")).isEqualTo("Unsupported Content-Type");
        tenant.at("3.70").get(tenant.url("/attachments")).then().body("attachments", equalTo(List.of()));
    }

    @Test
    void jsonAndTheVendorTypeAreAcceptedWhateverTheirParameters() {
        for (String type : List.of("application/json; charset=UTF-8", "Application/JSON", "application/vnd.openstack.volume+json;version=3")) {
            String attachment = given().header("X-Auth-Token", tenant.token()).header("OpenStack-API-Version", "volume 3.70")
                    .contentType(type).body(reserveBody())
                    .post(tenant.url("/attachments")).then().statusCode(200).extract().path("attachment.id");
            tenant.deleteAttachment(attachment).then().statusCode(200);
        }
    }

    @Test
    void withoutABodyNothingIsChecked() {
        // os-complete's body is required: without one the answer is the body error, not 415
        given().header("X-Auth-Token", tenant.token()).header("OpenStack-API-Version", "volume 3.70").contentType("text/plain")
                .post(tenant.url("/attachments/" + UUID.randomUUID() + "/action")).then().statusCode(400)
                .body("badRequest.code", equalTo(400));
        given().header("X-Auth-Token", tenant.token()).contentType("text/plain")
                .delete(tenant.url("/volumes/" + volume)).then().statusCode(202);
    }

    @Test
    void theCheckComesAfterTokenAndVersionAndBeforeTheProject() {
        given().header("X-Auth-Token", "not-a-token").contentType("text/plain").body(reserveBody())
                .post(tenant.url("/attachments")).then().statusCode(401);
        given().header("X-Auth-Token", tenant.token()).header("OpenStack-API-Version", "volume 3.999").contentType("text/plain")
                .body(reserveBody()).post(tenant.url("/attachments")).then().statusCode(406);
        // another project's URL is Cinder's 400 "Malformed request url", but only after the Content-Type check
        String other = "/v3/" + Api.newProject() + "/attachments";
        given().header("X-Auth-Token", tenant.token()).header("OpenStack-API-Version", "volume 3.70").contentType("text/plain")
                .body(reserveBody()).post(other).then().statusCode(415).body("badMediaType.code", equalTo(415));
        tenant.at("3.70").body(reserveBody()).post(other).then().statusCode(400)
                .body("badRequest.message", equalTo("Malformed request url"));
    }

    @Test
    void mooringsOwnEndpointsReadJsonOnly() {
        given().header("X-Auth-Token", Api.adminToken()).contentType("application/x-www-form-urlencoded")
                .body("token=x").post("/mooring/tokens").then().statusCode(415)
                .body("badMediaType.message", equalTo("Unsupported Content-Type"));
    }
}
