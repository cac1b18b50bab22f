package io.mooring.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.api.Api.Tenant;
import io.mooring.appliance.Tools;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's everyday volume commands through the real Debian {@code cinder} CLI (9.1.0, its default 3.70). */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class VolumeCallsCliTest {

    private static Tools.Result cinder(String token, String project, String... command) throws Exception {
        return Tools.cinder("http://127.0.0.1:" + RestAssured.port, token, project, command);
    }

    @Test
    void renameMetadataReadonlyBootableSummaryAndLimits() throws Exception {
        Tenant tenant = Tenant.fresh();
        String token = tenant.token();
        String project = tenant.project();
        String volume = Tools.propertyTable(cinder(token, project, "create", "2", "--name", "before").requireSuccess().output()).get("id");

        assertThat(cinder(token, project, "rename", volume, "after").requireSuccess().output()).isEmpty();
        assertThat(cinder(token, project, "rename", volume, "--description", "edge disk").requireSuccess().output()).isEmpty();
        Map<String, String> shown = Tools.propertyTable(cinder(token, project, "show", volume).requireSuccess().output());
        assertThat(shown).containsEntry("name", "after").containsEntry("description", "edge disk");

        cinder(token, project, "metadata", volume, "set", "site=north", "rack=r7").requireSuccess();
        assertThat(Tools.propertyTable(cinder(token, project, "metadata-show", volume).requireSuccess().output()))
                .containsEntry("site", "north").containsEntry("rack", "r7");
        cinder(token, project, "metadata", volume, "unset", "rack").requireSuccess();
        assertThat(Tools.propertyTable(cinder(token, project, "metadata-show", volume).requireSuccess().output()))
                .containsEntry("site", "north").doesNotContainKey("rack");

        cinder(token, project, "readonly-mode-update", volume, "true").requireSuccess();
        assertThat(Tools.propertyTable(cinder(token, project, "metadata-show", volume).requireSuccess().output()))
                .containsEntry("readonly", "True").containsEntry("site", "north");
        cinder(token, project, "set-bootable", volume, "true").requireSuccess();
        assertThat(Tools.propertyTable(cinder(token, project, "show", volume).requireSuccess().output())).containsEntry("bootable", "true");

        String summary = cinder(token, project, "summary").requireSuccess().output();
        assertThat(Tools.rows(summary)).contains(List.of("Property", "Value"), List.of("total_size", "2"), List.of("total_count", "1"),
                List.of("metadata", "site : ['north']"));

        List<List<String>> limits = Tools.rows(cinder(token, project, "absolute-limits").requireSuccess().output());
        assertThat(limits).containsExactly(List.of("Name", "Value"),
                List.of("maxTotalBackupGigabytes", "-1"), List.of("maxTotalBackups", "-1"), List.of("maxTotalSnapshots", "-1"),
                List.of("maxTotalVolumeGigabytes", "-1"), List.of("maxTotalVolumes", "-1"),
                List.of("totalBackupGigabytesUsed", "0"), List.of("totalBackupsUsed", "0"), List.of("totalGigabytesUsed", "2"),
                List.of("totalSnapshotsUsed", "0"), List.of("totalVolumesUsed", "1"));

        assertThat(Tools.rows(cinder(token, project, "availability-zone-list").requireSuccess().output()))
                .containsExactly(List.of("Name", "Status"), List.of("nova", "available"));

        Tools.Result refused = cinder(token, project, "service-list");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.output()).contains("Policy doesn't allow volume_extension:services:index to be performed. (HTTP 403)");
        List<List<String>> services = Tools.rows(cinder(Api.adminToken(), project, "service-list").requireSuccess().output());
        assertThat(services.get(0)).containsExactly("Binary", "Host", "Zone", "Status", "State", "Updated_at", "Cluster",
                "Disabled Reason", "Backend State");
        assertThat(services.subList(1, services.size())).extracting(row -> String.join(" ", row.subList(0, 5)) + " "
                        + String.join(" ", row.subList(6, 9)))
                .containsExactly("cinder-api mooring nova enabled up - - ", "cinder-volume mooring@file nova enabled up - - up",
                        "cinder-volume mooring@raw nova enabled up - - up");
        assertThat(services.get(1).get(5)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}");
    }
}
