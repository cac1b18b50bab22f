package io.mooring.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** mooring.api.public-endpoint starts every link; mooring.api.max-limit caps and defaults the page size. */
@QuarkusTest
@TestProfile(PublicEndpointTest.Endpoint.class)
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class PublicEndpointTest {

    static final String ENDPOINT = "https://block.example.net:8776/cinder";

    public static class Endpoint implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // the trailing slash is the operator's; links never get a double one
            return Map.of("mooring.api.public-endpoint", ENDPOINT + "/", "mooring.api.max-limit", "2");
        }
    }

    @Test
    void versionDocumentsPointAtTheEndpoint() {
        for (String path : new String[] {"/", "/v3/"}) {
            given().header("Host", "attacker.example").header("X-Forwarded-Host", "forwarded.example").get(path).then()
                    .statusCode(path.equals("/") ? 300 : 200)
                    .body("versions[0].links.find { it.rel == 'self' }.href", equalTo(ENDPOINT + "/v3/"));
        }
    }

    @Test
    void volumeLinksPointAtTheEndpoint() {
        Tenant tenant = Tenant.fresh();
        String volume = tenant.createVolume();
        JsonPath shown = tenant.at("3.70").header("X-Forwarded-Host", "forwarded.example").get(tenant.url("/volumes/" + volume))
                .then().statusCode(200).extract().jsonPath();
        assertThat(shown.getList("volume.links")).containsExactly(
                Map.of("rel", "self", "href", ENDPOINT + "/v3/" + tenant.project() + "/volumes/" + volume),
                Map.of("rel", "bookmark", "href", ENDPOINT + "/" + tenant.project() + "/volumes/" + volume));
    }

    @Test
    void theMaxLimitIsTheDefaultPageAndTheLargestOne() {
        Tenant tenant = Tenant.fresh();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(tenant.createVolume());
        }
        // newest first (Cinder's default order); no limit asked: a page of max-limit volumes and a link to the next
        JsonPath first = tenant.at("3.70").get(tenant.url("/volumes")).then().statusCode(200).extract().jsonPath();
        assertThat(first.<String>getList("volumes.id")).containsExactly(created.get(2), created.get(1));
        assertThat(first.getList("volumes_links")).containsExactly(Map.of("rel", "next",
                "href", ENDPOINT + "/v3/" + tenant.project() + "/volumes?marker=" + created.get(1)));
        // a larger limit is clamped to it, and stays in the link
        JsonPath clamped = tenant.at("3.70").get(tenant.url("/volumes/detail?limit=5")).then().statusCode(200).extract().jsonPath();
        assertThat(clamped.<String>getList("volumes.id")).hasSize(2);
        assertThat(clamped.getString("volumes_links[0].href"))
                .isEqualTo(ENDPOINT + "/v3/" + tenant.project() + "/volumes/detail?limit=5&marker=" + created.get(1));
        // the last page: fewer than the page size, no link
        JsonPath last = tenant.at("3.70").get(tenant.url("/volumes?marker=" + created.get(1))).then().statusCode(200).extract().jsonPath();
        assertThat(last.<String>getList("volumes.id")).containsExactly(created.get(0));
        assertThat(last.getList("volumes_links")).isNull();
        // with_count: Cinder compares the limit with the count, not with the page
        JsonPath counted = tenant.at("3.70").get(tenant.url("/volumes?with_count=true&marker=" + created.get(1))).then().extract().jsonPath();
        assertThat(counted.getInt("count")).isEqualTo(3);
        assertThat(counted.getString("volumes_links[0].href")).endsWith("marker=" + created.get(0));
    }
}
