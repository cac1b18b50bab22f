package io.mooring.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Volumes, types and backing stores (spec §6; acceptance check 7). */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class VolumeApiTest {

    private Tenant tenant;

    @BeforeEach
    void newTenant() {
        tenant = Tenant.fresh();
    }

    @Test
    void createIsAcceptedAvailableAndFindable() { // check 7
        String name = "vol-" + UUID.randomUUID();
        JsonPath created = tenant.at("3.70").body(Map.of("volume", Map.of("size", 2, "name", name, "description", "d",
                        "metadata", Map.of("k", "v"))))
                .post(tenant.url("/volumes")).then().statusCode(202)
                .body("volume.status", equalTo("creating"))
                .body("volume.size", equalTo(2))
                .body("volume.metadata.k", equalTo("v"))
                .body("volume.multiattach", equalTo(false))
                .body("volume.volume_type", equalTo("__DEFAULT__"))
                .extract().jsonPath();
        String id = created.getString("volume.id");
        assertThat(tenant.volumeStatus(id)).isEqualTo("available");
        tenant.at("3.70").get(tenant.url("/volumes/detail?name=" + name)).then().statusCode(200)
                .body("volumes.id", equalTo(List.of(id)));
        tenant.at("3.70").get(tenant.url("/volumes/detail?status=in-use&name=" + name)).then().body("volumes", equalTo(List.of()));
        String missing = UUID.randomUUID().toString();
        tenant.at("3.70").get(tenant.url("/volumes/" + missing)).then().statusCode(404)
                .body("itemNotFound.message", equalTo("Volume " + missing + " could not be found."));
    }

    @Test
    void whatTheCliSendsIsAccepted() {
        String body = "{\"volume\": {\"size\": \"1\", \"consistencygroup_id\": null, \"snapshot_id\": null, \"name\": \"cli\", "
                + "\"description\": null, \"volume_type\": null, \"availability_zone\": null, \"metadata\": {}, \"imageRef\": null, "
                + "\"source_volid\": null, \"backup_id\": null}, \"OS-SCH-HNT:scheduler_hints\": null}";
        tenant.at("3.70").body(body).post(tenant.url("/volumes")).then().statusCode(202).body("volume.size", equalTo(1));
    }

    @Test
    void viewsFollowTheMicroversion() {
        String id = tenant.createVolume();
        Set<String> at370 = tenant.at("3.70").get(tenant.url("/volumes/" + id)).then().extract().jsonPath().<String, Object>getMap("volume").keySet();
        assertThat(at370).contains("id", "status", "size", "name", "attachments", "metadata", "bootable", "links", "multiattach",
                "group_id", "shared_targets", "service_uuid", "volume_type_id", "consumes_quota", "os-vol-tenant-attr:tenant_id");
        assertThat(at370).doesNotContain("attach_status", "provider_id", "cluster_name");
        Set<String> at30 = tenant.at("3.0").get(tenant.url("/volumes/" + id)).then().extract().jsonPath().<String, Object>getMap("volume").keySet();
        assertThat(at30).doesNotContain("group_id", "shared_targets", "volume_type_id", "consumes_quota");
        Set<String> admin = Tenant.admin(tenant.project()).at("3.70").get(tenant.url("/volumes/" + id)).then().extract().jsonPath()
                .<String, Object>getMap("volume").keySet();
        assertThat(admin).contains("provider_id", "cluster_name", "os-vol-host-attr:host", "os-vol-mig-status-attr:migstat");

        List<Map<String, Object>> summary = tenant.at("3.70").get(tenant.url("/volumes")).then().statusCode(200)
                .extract().jsonPath().getList("volumes");
        assertThat(summary).hasSize(1);
        assertThat(summary.get(0).keySet()).containsExactly("id", "name", "links");
    }

    @Test
    void listsPageAndSort() {
        String v1 = tenant.createVolume();
        String v2 = tenant.createVolume();
        String v3 = tenant.createVolume();
        assertThat(ids("")).containsExactly(v3, v2, v1);
        assertThat(ids("?sort=created_at:asc")).containsExactly(v1, v2, v3);
        assertThat(ids("?limit=2")).containsExactly(v3, v2);
        assertThat(ids("?limit=2&marker=" + v2)).containsExactly(v1);
        assertThat(ids("?size=1")).hasSize(3);
        assertThat(ids("?size=x")).isEmpty();
        assertThat(ids("?bootable=false&availability_zone=nova")).hasSize(3);
        tenant.at("3.45").get(tenant.url("/volumes/detail?with_count=true&limit=1")).then().statusCode(200)
                .body("count", equalTo(3)).body("volumes.size()", equalTo(1));
        tenant.at("3.45").get(tenant.url("/volumes?with_count=true&status=error")).then().statusCode(200).body("count", equalTo(0));
        tenant.at("3.44").get(tenant.url("/volumes/detail?with_count=true")).then().statusCode(400)
                .body("badRequest.message", equalTo("Invalid filters with_count are found in query options."));
        tenant.at("3.70").get(tenant.url("/volumes/detail?foo=1")).then().statusCode(400)
                .body("badRequest.message", equalTo("Invalid filters foo are found in query options."));
    }

    private List<String> ids(String query) {
        return tenant.at("3.70").get(tenant.url("/volumes/detail" + query)).then().statusCode(200).extract().jsonPath().getList("volumes.id");
    }

    @Test
    void aVolumeIsASparseFileUntilDeleted() throws Exception {
        String id = tenant.createVolume();
        Path file = ConfigProvider.getConfig().getValue("mooring.data-dir", Path.class).resolve("volumes").resolve(id + ".img");
        assertThat(Files.size(file)).isEqualTo(1L << 30);
        Process stat = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
        long allocatedBlocks = Long.parseLong(new String(stat.getInputStream().readAllBytes()).trim());
        assertThat(allocatedBlocks * 512).as("sparse: nothing allocated yet").isLessThan(1L << 20);
        tenant.at("3.70").delete(tenant.url("/volumes/" + id)).then().statusCode(202);
        assertThat(file).doesNotExist();
        tenant.at("3.70").get(tenant.url("/volumes/" + id)).then().statusCode(404);
    }

    @Test
    void typesListTheDefaultAndMultiattach() {
        tenant.at("3.70").get(tenant.url("/types")).then().statusCode(200)
                .body("volume_types.name", hasItems("__DEFAULT__", "multiattach", "raw"))
                .body("volume_types.find { it.name == 'multiattach' }.extra_specs.multiattach", equalTo("<is> True"));
        tenant.at("3.70").get(tenant.url("/types/default")).then().statusCode(200).body("volume_type.name", equalTo("__DEFAULT__"));
        String id = tenant.createVolume("multiattach");
        tenant.at("3.70").get(tenant.url("/volumes/" + id)).then().body("volume.multiattach", equalTo(true))
                .body("volume.volume_type", equalTo("multiattach"));
    }

    @Test
    void rawDevicesAreWipedWhenTakenAndReturnedOnDelete() throws Exception {
        List<Path> devices = ConfigProvider.getConfig().getValues("mooring.backend.raw-devices", Path.class);
        for (Path device : devices) {
            Files.createDirectories(device.getParent());
            try (RandomAccessFile raf = new RandomAccessFile(device.toFile(), "rw")) {
                raf.setLength(1L << 30);
                byte[] old = new byte[1 << 20];
                Arrays.fill(old, (byte) 0xAB);
                raf.seek(0);
                raf.write(old);
            }
        }
        Tenant admin = Tenant.admin(tenant.project());
        String first = tenant.createVolume("raw");
        String second = tenant.createVolume("raw");
        tenant.at("3.70").body(Map.of("volume", Map.of("size", 1, "volume_type", "raw"))).post(tenant.url("/volumes")).then()
                .statusCode(400).body("badRequest.message", equalTo("Invalid input received: No raw device is free for a volume of type raw."));
        admin.at("3.70").get(tenant.url("/volumes/" + first)).then().body("volume.'os-vol-host-attr:host'", equalTo("mooring@raw#raw"));
        for (Path device : devices) {
            byte[] head = new byte[1 << 20];
            try (RandomAccessFile raf = new RandomAccessFile(device.toFile(), "r")) {
                raf.readFully(head);
            }
            assertThat(head).containsOnly((byte) 0);
        }
        tenant.at("3.70").delete(tenant.url("/volumes/" + first)).then().statusCode(202);
        assertThat(devices).allSatisfy(device -> assertThat(device).exists());
        String third = tenant.createVolume("raw");
        tenant.at("3.70").delete(tenant.url("/volumes/" + second)).then().statusCode(202);
        tenant.at("3.70").delete(tenant.url("/volumes/" + third)).then().statusCode(202);
    }
}
