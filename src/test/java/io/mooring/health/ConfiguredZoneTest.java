package io.mooring.health;

import static org.hamcrest.Matchers.equalTo;

import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code mooring.availability-zone} is the zone everywhere: views, creates, the zone list and the services. */
@QuarkusTest
@TestProfile(ConfiguredZoneTest.EdgeZone.class)
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class ConfiguredZoneTest {

    public static class EdgeZone implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mooring.availability-zone", "edge-1");
        }
    }

    @Test
    void theConfiguredZoneReplacesNova() {
        Tenant tenant = Tenant.fresh();
        tenant.at("3.70").get(tenant.url("/os-availability-zone")).then().statusCode(200)
                .body("availabilityZoneInfo.zoneName", equalTo(List.of("edge-1")));
        tenant.at("3.70").body(Map.of("volume", Map.of("size", 1))).post(tenant.url("/volumes")).then().statusCode(202)
                .body("volume.availability_zone", equalTo("edge-1"));
        tenant.at("3.70").body(Map.of("volume", Map.of("size", 1, "availability_zone", "edge-1"))).post(tenant.url("/volumes"))
                .then().statusCode(202);
        tenant.at("3.70").body(Map.of("volume", Map.of("size", 1, "availability_zone", "nova"))).post(tenant.url("/volumes"))
                .then().statusCode(400).body("badRequest.message", equalTo("Availability zone 'nova' is invalid."));
        tenant.at("3.70").get(tenant.url("/volumes/detail?availability_zone=edge-1")).then().body("volumes.size()", equalTo(2));
        Tenant.admin(tenant.project()).at("3.70").get(tenant.url("/os-services")).then()
                .body("services.zone", equalTo(List.of("edge-1", "edge-1", "edge-1")));
    }
}
