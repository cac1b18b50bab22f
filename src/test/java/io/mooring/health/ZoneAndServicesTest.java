package io.mooring.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.mooring.api.Api;
import io.mooring.api.Api.Tenant;
import io.mooring.attachment.AttachmentService;
import io.mooring.export.ExportGrant;
import io.mooring.export.TargetEngineExporter;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one availability zone (views, creates, the zone list) and the services list's rows with their real state. */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class ZoneAndServicesTest {

    private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}";

    @Test
    void oneZoneListedUsedInViewsAndRequiredOfCreates() {
        Tenant tenant = Tenant.fresh();
        tenant.at("3.0").get(tenant.url("/os-availability-zone")).then().statusCode(200)
                .body("", equalTo(Map.of("availabilityZoneInfo", List.of(Map.of("zoneName", "nova", "zoneState", Map.of("available", true))))));
        String id = tenant.at("3.70").body(Map.of("volume", Map.of("size", 1, "availability_zone", "nova"))).post(tenant.url("/volumes"))
                .then().statusCode(202).body("volume.availability_zone", equalTo("nova")).extract().path("volume.id");
        tenant.at("3.70").get(tenant.url("/volumes/detail?availability_zone=nova")).then().body("volumes.id", equalTo(List.of(id)));
        tenant.at("3.70").get(tenant.url("/volumes/detail?availability_zone=elsewhere")).then().body("volumes", equalTo(List.of()));

        tenant.at("3.70").body(Map.of("volume", Map.of("size", 1, "availability_zone", "elsewhere"))).post(tenant.url("/volumes"))
                .then().statusCode(400).body("badRequest.message", equalTo("Availability zone 'elsewhere' is invalid."));
        tenant.at("3.70").body(Map.of("volume", Map.of("size", 1, "availability_zone", ""))).post(tenant.url("/volumes"))
                .then().statusCode(400).body("badRequest.message", equalTo("The 'availability_zone' can not be None."));
        tenant.at("3.70").body(Map.of("volume", Map.of("size", 1, "availability_zone", "   "))).post(tenant.url("/volumes"))
                .then().statusCode(400)
                .body("badRequest.message", equalTo("Invalid input received: availability_zone has 0 characters, less than 1."));
        tenant.at("3.70").get(tenant.url("/volumes")).then().body("volumes.id", equalTo(List.of(id)));
    }

    @Test
    void servicesAreTheApiAndOneVolumeServicePerBackendForAdminsOnly() {
        Tenant member = Tenant.fresh();
        member.at("3.70").get(member.url("/os-services")).then().statusCode(403)
                .body("forbidden.message", equalTo("Policy doesn't allow volume_extension:services:index to be performed."));

        Tenant admin = Tenant.admin(member.project());
        List<Map<String, Object>> base = admin.at("3.0").get(admin.url("/os-services")).then().statusCode(200)
                .extract().jsonPath().getList("services");
        assertThat(base).extracting(s -> s.get("binary") + " " + s.get("host") + " " + s.get("state"))
                .containsExactly("cinder-api mooring up", "cinder-volume mooring@file up", "cinder-volume mooring@raw up");
        assertThat(base.get(0)).containsOnlyKeys("binary", "host", "zone", "status", "state", "updated_at", "disabled_reason")
                .containsEntry("zone", "nova").containsEntry("status", "enabled");
        assertThat((String) base.get(0).get("updated_at")).matches(TIME);
        assertThat(base.get(1)).containsOnlyKeys("binary", "host", "zone", "status", "state", "updated_at", "disabled_reason",
                        "replication_status", "active_backend_id", "frozen")
                .containsEntry("replication_status", "disabled").containsEntry("frozen", false);

        List<Map<String, Object>> latest = admin.at("3.70").get(admin.url("/os-services")).then().extract().jsonPath().getList("services");
        assertThat(latest.get(0)).containsKey("cluster").doesNotContainKey("backend_state");
        assertThat(latest.get(1)).containsEntry("backend_state", "up").containsKey("cluster");

        admin.at("3.70").get(admin.url("/os-services?binary=cinder-volume")).then().body("services.host", equalTo(List.of("mooring@file", "mooring@raw")));
        admin.at("3.70").get(admin.url("/os-services?host=mooring@raw")).then().body("services.binary", equalTo(List.of("cinder-volume")));
        admin.at("3.70").get(admin.url("/os-services?host=elsewhere")).then().body("services", equalTo(List.of()));
    }

    @Test
    void volumeServicesAreDownWhileTheTargetIsStopped() throws Throwable {
        Tenant admin = Tenant.admin(Api.newProject());
        TargetEngineExporter target = Arc.container().instance(TargetEngineExporter.class).get();
        target.stop();
        try {
            List<Map<String, Object>> services = admin.at("3.70").get(admin.url("/os-services")).then().statusCode(200)
                    .extract().jsonPath().getList("services");
            assertThat(services).extracting(s -> s.get("binary") + " " + s.get("state") + " " + s.get("backend_state"))
                    .containsExactly("cinder-api up null", "cinder-volume down down", "cinder-volume down down");
        } finally {
            List<ExportGrant> grants = VertxContextSupport.subscribeAndAwait(
                    () -> Arc.container().instance(AttachmentService.class).get().grantsToRestore());
            target.start(grants);
        }
        admin.at("3.70").get(admin.url("/os-services?binary=cinder-volume")).then().body("services.state", equalTo(List.of("up", "up")));
    }
}
