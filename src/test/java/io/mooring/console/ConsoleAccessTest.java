package io.mooring.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.mooring.api.Api;
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
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Who may see the console's feed and the OpenAPI document (admins; everyone else gets Cinder's envelope), what the feed
 * says, and the headers that keep the console page and Swagger UI to their own files and out of frames.
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class ConsoleAccessTest {

    private static final String FEED = "/mooring/console/feed";
    private static final String UNAUTHORIZED = "The request you have made requires authentication.";

    @Test
    void theFeedIsForAdminsOnly() {
        given().get(FEED).then().statusCode(401).contentType("application/json")
                .body("unauthorized.code", equalTo(401)).body("unauthorized.message", equalTo(UNAUTHORIZED));
        given().header("X-Auth-Token", "not-a-token").get(FEED).then().statusCode(401).body("unauthorized.code", equalTo(401));
        given().header("X-Auth-Token", Tenant.fresh().token()).get(FEED).then().statusCode(403).contentType("application/json")
                .body("forbidden.code", equalTo(403))
                .body("forbidden.message", equalTo("Policy doesn't allow mooring:console:feed to be performed."));
    }

    @Test
    void anAdminGetsAFrameEverySecondWithEveryProjectsVolumes() throws Exception {
        Tenant tenant = Tenant.fresh();
        String volumeId = tenant.createVolume();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + FEED))
                .header("X-Auth-Token", Api.adminToken()).header("Accept", "text/event-stream").build();
        HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        try (Stream<String> lines = response.body()) {
            Iterator<String> events = lines.filter(line -> line.startsWith("data:")).iterator();
            JsonPath first = new JsonPath(events.next().substring("data:".length()));
            JsonPath second = new JsonPath(events.next().substring("data:".length()));
            assertThat(first.getString("database")).isEqualTo("available");
            assertThat(first.getList("volumes.id")).contains(volumeId);
            assertThat(first.getString("volumes.find { it.id == '" + volumeId + "' }.project_id")).isEqualTo(tenant.project());
            assertThat(first.getInt("volumes.find { it.id == '" + volumeId + "' }.size")).isEqualTo(1);
            assertThat(first.getList("attachments")).isNotNull();
            assertThat(first.getList("sessions")).isNotNull();
            assertThat(first.getList("rates")).isNotNull();
            assertThat(java.time.Instant.parse(second.getString("time")))
                    .isAfter(java.time.Instant.parse(first.getString("time")));
        }
    }

    @Test
    void theOpenApiDocumentIsForAdminsAndDescribesMooringsOwnEndpointsOnly() {
        for (String path : new String[] {"/q/openapi", "/q/openapi.json", "/q/openapi?format=json"}) {
            given().get(path).then().statusCode(401).contentType("application/json").body("unauthorized.message", equalTo(UNAUTHORIZED));
            given().header("X-Auth-Token", Tenant.fresh().token()).get(path).then().statusCode(403)
                    .body("forbidden.message", equalTo("Policy doesn't allow mooring:openapi:read to be performed."));
        }
        JsonPath document = given().header("X-Auth-Token", Api.adminToken()).get("/q/openapi.json")
                .then().statusCode(200).extract().jsonPath();
        assertThat(document.getMap("paths").keySet())
                .contains("/mooring/tokens", "/mooring/sessions", "/mooring/attachments/stale", FEED)
                .allSatisfy(path -> assertThat(String.valueOf(path)).startsWith("/mooring/"));
        assertThat(document.getString("components.securitySchemes.X-Auth-Token.in")).isEqualTo("header");
        assertThat(document.getString("paths.'/mooring/console/feed'.get.responses.'403'.description")).contains("forbidden");
    }

    @Test
    void swaggerUiIsServedWithTheTabsTokenAndNoOnlineValidator() {
        given().get("/q/swagger-ui/").then().statusCode(200).header("X-Frame-Options", "DENY")
                .body(containsString("sessionStorage.getItem('mooring.token')"))
                .body(containsString("validatorUrl: 'none'"))
                .body(not(containsString("src=\"http")));
    }

    @Test
    void theConsolePageKeepsToItsOwnFilesAndIsNeverFramed() {
        given().redirects().follow(false).get("/console").then().statusCode(302).header("Location", "/console/");
        String page = given().get("/console/").then().statusCode(200)
                .header("Content-Security-Policy", containsString("default-src 'none'"))
                .header("Content-Security-Policy", containsString("script-src 'self'"))
                .header("Content-Security-Policy", containsString("connect-src 'self'"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("X-Frame-Options", "DENY")
                .extract().asString();
        assertThat(page).contains("console.js", "chart.js").doesNotContain("http://", "https://", "<script>", "style=");
        for (String file : new String[] {"console.js", "chart.js", "console.css"}) {
            assertThat(given().get("/console/" + file).then().statusCode(200)
                    .header("Content-Security-Policy", containsString("default-src 'none'")).extract().asString())
                    .doesNotContain("http://", "https://");
        }
    }
}
