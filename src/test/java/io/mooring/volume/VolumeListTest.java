package io.mooring.volume;

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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Volume lists as Cinder filters, sorts and pages them (metadata, inexact filters, sort keys, volumes_links). */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class VolumeListTest {

    private Tenant member;
    private Tenant admin;

    @BeforeEach
    void newProject() {
        member = Tenant.fresh();
        admin = Tenant.admin(member.project());
    }

    private String create(String name, String description, Map<String, String> metadata) {
        Map<String, Object> volume = new HashMap<>(Map.of("size", 1, "metadata", metadata));
        if (name != null) {
            volume.put("name", name);
        }
        if (description != null) {
            volume.put("description", description);
        }
        return member.at("3.70").body(Map.of("volume", volume)).post(member.url("/volumes")).then().statusCode(202).extract().path("volume.id");
    }

    private static List<String> ids(Tenant who, String path, String... params) {
        var request = who.at("3.70");
        for (int i = 0; i < params.length; i += 2) {
            request.queryParam(params[i], params[i + 1]);
        }
        return request.get(who.url("/volumes" + path)).then().statusCode(200).extract().jsonPath().getList("volumes.id");
    }

    @Test
    void metadataMatchesVolumesHoldingEveryPair() {
        String both = create("m1", null, Map.of("k", "v", "a", "b"));
        String kv = create("m2", null, Map.of("k", "v"));
        String other = create("m3", null, Map.of("k", "x"));
        for (Tenant who : List.of(member, admin)) {
            assertThat(ids(who, "", "metadata", "{'k': 'v'}")).containsExactlyInAnyOrder(both, kv);
            assertThat(ids(who, "/detail", "metadata", "{'k': 'v', 'a': 'b'}")).containsExactly(both);
            assertThat(ids(who, "", "metadata", "{\"k\": \"x\"}")).containsExactly(other);
            assertThat(ids(who, "", "metadata", "{'k': 'nothing'}")).isEmpty();
            // not a dict literal: Cinder's filter matches nothing
            assertThat(ids(who, "", "metadata", "k=v")).isEmpty();
            assertThat(ids(who, "", "metadata", "{}")).containsExactlyInAnyOrder(both, kv, other);
        }
        // and counts agree (3.45)
        member.at("3.70").queryParam("with_count", "true").queryParam("metadata", "{'k': 'v'}").get(member.url("/volumes"))
                .then().statusCode(200).body("count", equalTo(2));
    }

    @Test
    void inexactFiltersAreAnAdminsAndMembersGetCindersInvalidFilter() {
        String alpha = create("alpha-x", "first one", Map.of());
        String beta = create("beta", "second x", Map.of());
        String gamma = create("x-gamma", null, Map.of());
        assertThat(ids(admin, "", "name~", "x")).containsExactlyInAnyOrder(alpha, gamma);
        assertThat(ids(admin, "/detail", "description~", "one")).containsExactly(alpha);
        assertThat(ids(admin, "", "description~", "x")).containsExactly(beta);
        assertThat(ids(admin, "", "status~", "vail")).containsExactlyInAnyOrder(alpha, beta, gamma);
        assertThat(ids(admin, "", "status~", "vail", "name~", "gam")).containsExactly(gamma);
        assertThat(ids(admin, "", "name~", "nomatch")).isEmpty();
        for (String filter : List.of("name~", "description~", "status~")) {
            member.at("3.70").get(member.url("/volumes?" + filter + "=x")).then().statusCode(400)
                    .body("badRequest.code", equalTo(400))
                    .body("badRequest.message", equalTo("Invalid filters " + filter + " are found in query options."));
        }
        // below 3.31 (RESOURCE_FILTER) Cinder drops a member's unknown filters
        assertThat(member.at("3.30").get(member.url("/volumes?name~=x")).then().statusCode(200).extract().jsonPath().<String>getList("volumes.id"))
                .containsExactlyInAnyOrder(alpha, beta, gamma);
    }

    @Test
    void sortByNameWithCindersTieBreakers() {
        String first = create("same", "b", Map.of());
        String unnamed = create(null, null, Map.of());
        String second = create("same", "a", Map.of());
        String zeta = create("zeta", "c", Map.of());
        // created_at then id follow in the first key's direction
        assertThat(ids(member, "", "sort", "name:asc")).containsExactly(unnamed, first, second, zeta);
        assertThat(ids(member, "", "sort", "name:desc")).containsExactly(zeta, second, first, unnamed);
        assertThat(ids(member, "", "sort", "display_name:asc")).containsExactly(unnamed, first, second, zeta);
        assertThat(ids(member, "/detail", "sort_key", "name", "sort_dir", "asc")).containsExactly(unnamed, first, second, zeta);
        assertThat(ids(member, "", "sort", "display_description:asc")).containsExactly(unnamed, second, first, zeta);
        assertThat(ids(member, "", "sort", "project_id:asc,name:desc")).containsExactly(zeta, first, second, unnamed);
        member.at("3.70").get(member.url("/volumes?sort=description:asc")).then().statusCode(400)
                .body("badRequest.message", equalTo("Invalid input received: Invalid sort key"));
    }

    @Test
    void aFullPageLinksToTheNextOneWithItsLastVolumeAsMarker() {
        List<String> created = new ArrayList<>();
        for (String name : List.of("p1", "p2", "p3", "p4", "p5")) {
            created.add(create(name, null, Map.of()));
        }
        List<String> seen = new ArrayList<>();
        String next = "/volumes/detail?sort=name:asc&limit=2";
        int pages = 0;
        while (next != null) {
            JsonPath page = member.at("3.70").urlEncodingEnabled(false).get(next.startsWith("http") ? next : member.url(next))
                    .then().statusCode(200).extract().jsonPath();
            List<String> ids = page.getList("volumes.id");
            seen.addAll(ids);
            List<Map<String, String>> links = page.getList("volumes_links");
            if (ids.size() == 2) {
                assertThat(links).hasSize(1);
                assertThat(links.get(0)).containsOnlyKeys("rel", "href").containsEntry("rel", "next").containsEntry("href",
                        "http://127.0.0.1:" + RestAssured.port + "/v3/" + member.project() + "/volumes/detail?sort=name%3Aasc&limit=2&marker=" + ids.get(1));
                next = links.get(0).get("href");
            } else {
                assertThat(links).isNull();
                next = null;
            }
            pages++;
        }
        assertThat(seen).isEqualTo(created);
        assertThat(pages).isEqualTo(3);
        // a page shorter than the limit (here the default 1000) has no link
        assertThat(member.at("3.70").get(member.url("/volumes")).then().extract().jsonPath().getList("volumes_links")).isNull();
        // the summary list links to the summary list
        String href = member.at("3.70").get(member.url("/volumes?limit=1")).then().extract().path("volumes_links[0].href");
        assertThat(URI.create(href).getPath()).isEqualTo("/v3/" + member.project() + "/volumes");
    }

    @Test
    void linksComeFromTheListeningAddressNeverFromHostHeaders() {
        String volume = create("linked", null, Map.of());
        String base = "http://127.0.0.1:" + RestAssured.port;
        JsonPath shown = member.at("3.70").header("Host", "attacker.example:666").header("X-Forwarded-Host", "forwarded.example")
                .get(member.url("/volumes/" + volume)).then().statusCode(200).extract().jsonPath();
        assertThat(shown.getString("volume.links.find { it.rel == 'self' }.href")).isEqualTo(base + "/v3/" + member.project() + "/volumes/" + volume);
        assertThat(shown.getString("volume.links.find { it.rel == 'bookmark' }.href")).isEqualTo(base + "/" + member.project() + "/volumes/" + volume);
        String next = member.at("3.70").header("Host", "attacker.example:666").header("X-Forwarded-Host", "forwarded.example")
                .get(member.url("/volumes?limit=1")).then().extract().path("volumes_links[0].href");
        assertThat(next).startsWith(base + "/v3/");
    }

    @Test
    void attachmentsPageTheSameWay() {
        List<String> attachments = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            attachments.add(member.reserveOk(member.createVolume(), UUID.randomUUID().toString()));
        }
        JsonPath page = member.at("3.27").urlEncodingEnabled(false).get(member.url("/attachments?limit=2&sort=created_at:asc")).then().statusCode(200).extract().jsonPath();
        assertThat(page.<String>getList("attachments.id")).containsExactly(attachments.get(0), attachments.get(1));
        assertThat(page.getString("attachments_links[0].rel")).isEqualTo("next");
        String href = page.getString("attachments_links[0].href");
        assertThat(href).isEqualTo("http://127.0.0.1:" + RestAssured.port + "/v3/" + member.project()
                + "/attachments?limit=2&sort=created_at%3Aasc&marker=" + attachments.get(1));
        JsonPath last = member.at("3.27").urlEncodingEnabled(false).get(href).then().statusCode(200).extract().jsonPath();
        assertThat(last.<String>getList("attachments.id")).containsExactly(attachments.get(2));
        assertThat(last.getList("attachments_links")).isNull();
        assertThat(member.at("3.27").get(member.url("/attachments/detail?limit=1")).then().extract().<String>path("attachments_links[0].href"))
                .contains("/attachments/detail?limit=1&marker=");
    }
}
