package io.mooring.volume;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.api.Api;
import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The volume view's user_id and service_uuid, and the create response, as Cinder fills them. */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class VolumeViewTest {

    private static final String HEX32 = "[0-9a-f]{32}";
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    private static JsonPath mint(String project, String role) {
        return given().header("X-Auth-Token", Api.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("token", Map.of("project_id", project, "role", role)))
                .post("/mooring/tokens").then().statusCode(201).extract().jsonPath();
    }

    @Test
    void everyTokenHasItsOwnUserAndVolumesNameTheirCreator() {
        String project = Api.newProject();
        JsonPath first = mint(project, "member");
        JsonPath second = mint(project, "member");
        assertThat(first.getString("token.user_id")).matches(HEX32);
        assertThat(second.getString("token.user_id")).matches(HEX32).isNotEqualTo(first.getString("token.user_id"));

        Tenant one = new Tenant(project, first.getString("token.id"));
        Tenant two = new Tenant(project, second.getString("token.id"));
        String volume = one.createVolume();
        // whoever looks, the volume names the user that created it
        for (Tenant viewer : new Tenant[] {one, two, Tenant.admin(project)}) {
            assertThat(viewer.at("3.70").get(viewer.url("/volumes/" + volume)).then().statusCode(200).extract().<String>path("volume.user_id"))
                    .isEqualTo(first.getString("token.user_id"));
        }
        String detailUser = two.at("3.70").get(two.url("/volumes/detail")).then().statusCode(200).extract().path("volumes[0].user_id");
        assertThat(detailUser).isEqualTo(first.getString("token.user_id"));
    }

    @Test
    void theAdminTokenHasAUserToo() {
        Tenant admin = Tenant.admin(Api.newProject());
        String volume = admin.createVolume();
        String user = admin.at("3.70").get(admin.url("/volumes/" + volume)).then().statusCode(200).extract().path("volume.user_id");
        assertThat(user).matches(HEX32);
        String again = admin.at("3.70").get(admin.url("/volumes/" + admin.createVolume())).then().extract().path("volume.user_id");
        assertThat(again).isEqualTo(user);
    }

    @Test
    void serviceUuidIsTheAppliancesAt348() {
        Tenant tenant = Tenant.fresh();
        String volume = tenant.createVolume();
        String serviceUuid = tenant.at("3.48").get(tenant.url("/volumes/" + volume)).then().statusCode(200).extract().path("volume.service_uuid");
        assertThat(serviceUuid).matches(UUID);
        Tenant other = Tenant.fresh();
        assertThat(other.at("3.70").get(other.url("/volumes/" + other.createVolume())).then().extract().<String>path("volume.service_uuid"))
                .isEqualTo(serviceUuid);
        assertThat(tenant.at("3.47").get(tenant.url("/volumes/" + volume)).then().extract().jsonPath().getMap("volume"))
                .doesNotContainKeys("service_uuid", "shared_targets");
    }

    @Test
    void createAnswersCinderCreateView() {
        Tenant tenant = Tenant.fresh();
        for (Tenant creator : new Tenant[] {tenant, Tenant.admin(tenant.project())}) {
            JsonPath created = creator.at("3.70").body(Map.of("volume", Map.of("size", 1, "name", "created")))
                    .post(creator.url("/volumes")).then().statusCode(202).extract().jsonPath();
            Map<String, Object> view = created.getMap("volume");
            assertThat(view).containsEntry("status", "creating").containsEntry("updated_at", null)
                    .containsEntry("service_uuid", null).containsEntry("attachments", java.util.List.of())
                    .containsKeys("id", "created_at", "links", "user_id", "volume_type_id", "consumes_quota");
            assertThat(view.get("created_at")).asString().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}");
            assertThat(view.keySet()).noneMatch(key -> key.startsWith("os-vol-"));
            // and afterwards it is what show answers: available, updated, on its service
            Map<String, Object> shown = creator.at("3.70").get(creator.url("/volumes/" + view.get("id"))).then().statusCode(200)
                    .extract().jsonPath().getMap("volume");
            assertThat(shown).containsEntry("status", "available").containsKey("os-vol-tenant-attr:tenant_id");
            assertThat(shown.get("updated_at")).isNotNull();
            assertThat(shown.get("service_uuid")).isNotNull();
            assertThat(shown.get("user_id")).isEqualTo(view.get("user_id"));
        }
    }
}
