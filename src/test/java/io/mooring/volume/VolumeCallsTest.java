package io.mooring.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.mooring.api.Api.Tenant;
import io.mooring.appliance.Tools;
import io.mooring.boot.Posix;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's everyday volume calls, answered as Cinder 21 answers them: PUT volume, the volume metadata calls (with
 * 3.15's ETag/If-Match), os-update_readonly_flag (reaching a real initiator as a write-protected LUN),
 * os-set_bootable, the 3.12 summary and the limits.
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class VolumeCallsTest {

    private Tenant tenant;

    @BeforeEach
    void newTenant() {
        tenant = Tenant.fresh();
    }

    // ---- PUT volume -------------------------------------------------------------------------------------------------

    @Test
    void putVolumeRenamesDescribesAndReplacesMetadata() {
        String id = tenant.createVolume();
        tenant.at("3.70").body(Map.of("metadata", Map.of("old", "1"))).post(tenant.url("/volumes/" + id + "/metadata")).then().statusCode(200);
        JsonPath updated = tenant.at("3.70").body(Map.of("volume", Map.of("name", "  renamed  ", "description", "d1",
                        "metadata", Map.of("k", "v"))))
                .put(tenant.url("/volumes/" + id)).then().statusCode(200).extract().jsonPath();
        assertThat(updated.getString("volume.name")).isEqualTo("renamed");
        assertThat(updated.getString("volume.description")).isEqualTo("d1");
        assertThat(updated.getMap("volume.metadata")).isEqualTo(Map.of("k", "v"));
        assertThat(updated.getString("volume.updated_at")).isNotNull();

        // the v1 names work too; a key left out stays; null clears
        tenant.at("3.70").body(Map.of("volume", Map.of("display_description", "d2"))).put(tenant.url("/volumes/" + id)).then()
                .statusCode(200).body("volume.name", equalTo("renamed")).body("volume.description", equalTo("d2"));
        tenant.at("3.70").body("{\"volume\": {\"name\": null}}").put(tenant.url("/volumes/" + id)).then()
                .statusCode(200).body("volume.name", nullValue()).body("volume.metadata.k", equalTo("v"));
        tenant.at("3.70").get(tenant.url("/volumes/" + id)).then().body("volume.description", equalTo("d2"));
    }

    @Test
    void putVolumeRefusesWhatCindersSchemaRefuses() {
        String id = tenant.createVolume();
        String url = tenant.url("/volumes/" + id);
        badRequest(tenant.at("3.70").body("{\"volume\": {}}").put(url),
                "Invalid input for field/attribute volume. Value: {}. {} is not valid under any of the given schemas");
        tenant.at("3.52").body("{\"volume\": {}}").put(url).then().statusCode(200);
        badRequest(tenant.at("3.70").body("{\"volume\": {\"size\": 2}}").put(url),
                "Invalid input for field/attribute volume. Value: {'size': 2}. Additional properties are not allowed ('size' was unexpected)");
        badRequest(tenant.at("3.70").body("{\"volume\": {\"name\": \"x\"}, \"extra\": 1}").put(url),
                "Additional properties are not allowed ('extra' was unexpected)");
        badRequest(tenant.at("3.70").body("{\"vol\": {}}").put(url), "'volume' is a required property");
        badRequest(tenant.at("3.70").body("{\"volume\": {\"name\": 7}}").put(url),
                "Invalid input for field/attribute name. Value: 7. 7 is not of type 'string', 'null'");
        badRequest(tenant.at("3.70").body(Map.of("volume", Map.of("name", "n".repeat(256)))).put(url),
                "Invalid input received: name has 256 characters, more than 255.");
        badRequest(tenant.at("3.70").body(Map.of("volume", Map.of("description", "d".repeat(300)))).put(url),
                "Invalid input received: description has 300 characters, more than 255.");
        badRequest(tenant.at("3.70").body(Map.of("volume", Map.of("metadata", Map.of("bad/key", "v")))).put(url),
                "Invalid input for field/attribute metadata. Value: {'bad/key': 'v'}. 'bad/key' does not match any of the regexes:"
                        + " '^[a-zA-Z0-9-_:. ]{1,255}$'");
        badRequest(tenant.at("3.70").body("{\"volume\": {\"metadata\": {\"k\": 1}}}").put(url),
                "Invalid input for field/attribute k. Value: 1. 1 is not of type 'string'");
        badRequest(tenant.at("3.70").body("{\"volume\": {\"metadata\": null}}").put(url),
                "Invalid input for field/attribute metadata. Value: None. None is not of type 'object'");
        assertThat(tenant.at("3.70").get(url).then().extract().jsonPath().getString("volume.name")).startsWith("v-");
    }

    @Test
    void anotherProjectsVolumeDoesNotExistForEveryCall() {
        String theirs = tenant.createVolume();
        Tenant other = Tenant.fresh();
        String missing = "Volume " + theirs + " could not be found.";
        List<Response> answers = List.of(
                other.at("3.70").body(Map.of("volume", Map.of("name", "x"))).put(other.url("/volumes/" + theirs)),
                other.at("3.70").get(other.url("/volumes/" + theirs + "/metadata")),
                other.at("3.70").body(Map.of("metadata", Map.of("k", "v"))).post(other.url("/volumes/" + theirs + "/metadata")),
                other.at("3.70").body(Map.of("metadata", Map.of("k", "v"))).put(other.url("/volumes/" + theirs + "/metadata")),
                other.at("3.70").get(other.url("/volumes/" + theirs + "/metadata/k")),
                other.at("3.70").body(Map.of("meta", Map.of("k", "v"))).put(other.url("/volumes/" + theirs + "/metadata/k")),
                other.at("3.70").delete(other.url("/volumes/" + theirs + "/metadata/k")),
                action(other, theirs, "{\"os-update_readonly_flag\": {\"readonly\": true}}"),
                action(other, theirs, "{\"os-set_bootable\": {\"bootable\": true}}"));
        for (Response answer : answers) {
            answer.then().statusCode(404).body("itemNotFound.message", equalTo(missing));
        }
        JsonPath mine = tenant.at("3.70").get(tenant.url("/volumes/" + theirs)).then().extract().jsonPath();
        assertThat(mine.getString("volume.bootable")).isEqualTo("false");
        assertThat(mine.getMap("volume.metadata")).isEmpty();
    }

    @Test
    void maintenanceFreezesUpdatesAndMetadata() {
        String id = tenant.createVolume();
        tenant.at("3.70").body(Map.of("metadata", Map.of("k", "v"))).post(tenant.url("/volumes/" + id + "/metadata")).then().statusCode(200);
        resetStatus(id, "maintenance");
        badRequest(tenant.at("3.70").body(Map.of("volume", Map.of("name", "x"))).put(tenant.url("/volumes/" + id)),
                "Invalid volume: The volume cannot be updated during maintenance.");
        badRequest(action(tenant, id, "{\"os-set_bootable\": {\"bootable\": true}}"),
                "Invalid volume: The volume cannot be updated during maintenance.");
        badRequest(tenant.at("3.70").body(Map.of("metadata", Map.of("k", "w"))).post(tenant.url("/volumes/" + id + "/metadata")),
                "Invalid volume: Updating volume metadata is not allowed for volumes in maintenance status.");
        badRequest(tenant.at("3.70").delete(tenant.url("/volumes/" + id + "/metadata/k")),
                "Invalid volume: Deleting volume metadata is not allowed for volumes in maintenance status.");
        resetStatus(id, "uploading");
        badRequest(tenant.at("3.70").body(Map.of("meta", Map.of("k", "w"))).put(tenant.url("/volumes/" + id + "/metadata/k")),
                "Invalid volume: Updating volume metadata is not allowed for volumes in uploading status.");
        tenant.at("3.70").body(Map.of("volume", Map.of("name", "while-uploading"))).put(tenant.url("/volumes/" + id)).then().statusCode(200);
        tenant.at("3.70").get(tenant.url("/volumes/" + id + "/metadata")).then().body("metadata", equalTo(Map.of("k", "v")));
    }

    // ---- volume metadata --------------------------------------------------------------------------------------------

    @Test
    void metadataCallsMergeReplaceShowAndDelete() {
        String id = tenant.createVolume();
        String url = tenant.url("/volumes/" + id + "/metadata");
        tenant.at("3.70").get(url).then().statusCode(200).body("metadata", equalTo(Map.of()));
        tenant.at("3.70").body(Map.of("metadata", Map.of("a", "1", "b", "2"))).post(url).then().statusCode(200)
                .body("metadata", equalTo(Map.of("a", "1", "b", "2")));
        tenant.at("3.70").body(Map.of("metadata", Map.of("b", "3", "c", "4"))).post(url).then().statusCode(200)
                .body("metadata", equalTo(Map.of("a", "1", "b", "3", "c", "4")));
        tenant.at("3.70").get(url + "/b").then().statusCode(200).body("meta", equalTo(Map.of("b", "3")));
        tenant.at("3.70").get(url + "/zz").then().statusCode(404)
                .body("itemNotFound.message", equalTo("Volume " + id + " has no metadata with key zz."));
        tenant.at("3.70").body(Map.of("meta", Map.of("c", "5"))).put(url + "/c").then().statusCode(200).body("meta", equalTo(Map.of("c", "5")));
        tenant.at("3.70").delete(url + "/a").then().statusCode(200);
        tenant.at("3.70").delete(url + "/a").then().statusCode(404)
                .body("itemNotFound.message", equalTo("Volume " + id + " has no metadata with key a."));
        tenant.at("3.70").get(url).then().body("metadata", equalTo(Map.of("b", "3", "c", "5")));
        tenant.at("3.70").body(Map.of("metadata", Map.of("only", "this"))).put(url).then().statusCode(200)
                .body("metadata", equalTo(Map.of("only", "this")));
        tenant.at("3.70").get(tenant.url("/volumes/" + id)).then().body("volume.metadata", equalTo(Map.of("only", "this")));

        badRequest(tenant.at("3.70").body(Map.of("meta", Map.of("x", "1"))).put(url + "/y"), "Request body and URI mismatch");
        // a literal body: Map.of's order differs from run to run, and the message shows the body's own order
        badRequest(tenant.at("3.70").body("{\"meta\": {\"x\": \"1\", \"y\": \"2\"}}").put(url + "/x"),
                "Invalid input for field/attribute meta. Value: {'x': '1', 'y': '2'}. {'x': '1', 'y': '2'} has too many properties");
        badRequest(tenant.at("3.70").body("{\"meta\": {}}").put(url + "/x"),
                "Invalid input for field/attribute meta. Value: {}. {} does not have enough properties");
        badRequest(tenant.at("3.70").body("{\"metadata\": {\"k\": \"v\"}, \"x\": 1}").post(url),
                "Additional properties are not allowed ('x' was unexpected)");
        badRequest(tenant.at("3.70").body("{\"meta\": {\"k\": \"v\"}}").post(url), "'metadata' is a required property");
        badRequest(tenant.at("3.70").body(Map.of("metadata", Map.of("k", "v".repeat(256)))).post(url),
                "Invalid input for field/attribute k. Value: " + "v".repeat(256) + ". '" + "v".repeat(256) + "' is too long");
        badRequest(tenant.at("3.70").body("{\"metadata\": {\"a/b\": \"1\", \"c#d\": \"2\"}}").post(url),
                "Invalid input for field/attribute metadata. Value: {'a/b': '1', 'c#d': '2'}. 'a/b', 'c#d' do not match any of the"
                        + " regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'");
        tenant.at("3.70").get(url).then().body("metadata", equalTo(Map.of("only", "this")));
    }

    @Test
    void concurrentMetadataMergesLoseNothing() throws Exception {
        String id = tenant.createVolume();
        String url = tenant.url("/volumes/" + id + "/metadata");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                String key = "k" + i;
                answers.add(pool.submit(() -> tenant.at("3.70").body(Map.of("metadata", Map.of(key, "v"))).post(url).statusCode()));
            }
            for (java.util.concurrent.Future<Integer> answer : answers) {
                assertThat(answer.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdown();
        }
        assertThat(tenant.at("3.70").get(url).then().extract().jsonPath().getMap("metadata")).hasSize(24);
    }

    @Test
    void etagsGuardMetadataWritesFrom315() throws Exception {
        String id = tenant.createVolume();
        String url = tenant.url("/volumes/" + id + "/metadata");
        tenant.at("3.70").body(Map.of("metadata", Map.of("k", "v"))).post(url).then().statusCode(200);
        assertThat(tenant.at("3.14").get(url).then().statusCode(200).extract().header("Etag")).isNull();
        String etag = tenant.at("3.15").get(url).then().statusCode(200).extract().header("Etag");
        // Cinder's tag: md5 of json.dumps({"metadata": {"k": "v"}})
        assertThat(etag).isEqualTo(md5("{\"metadata\": {\"k\": \"v\"}}"));

        tenant.at("3.70").body(Map.of("metadata", Map.of("k", "w"))).post(url).then().statusCode(200);
        Response stale = tenant.at("3.70").header("If-Match", etag).body(Map.of("metadata", Map.of("mine", "1"))).put(url);
        stale.then().statusCode(412);
        assertThat(stale.asString()).isEmpty();
        tenant.at("3.70").header("If-Match", etag).body(Map.of("meta", Map.of("k", "x"))).put(url + "/k").then().statusCode(412);
        tenant.at("3.70").get(url).then().body("metadata", equalTo(Map.of("k", "w")));
        // below 3.15 If-Match means nothing
        tenant.at("3.14").header("If-Match", etag).body(Map.of("meta", Map.of("k", "y"))).put(url + "/k").then().statusCode(200);

        String current = tenant.at("3.70").get(url).then().extract().header("Etag");
        tenant.at("3.70").header("If-Match", "\"" + current + "\"").body(Map.of("metadata", Map.of("mine", "1"))).put(url)
                .then().statusCode(200).body("metadata", equalTo(Map.of("mine", "1")));
        tenant.at("3.70").header("If-Match", "*").body(Map.of("metadata", Map.of("any", "1"))).put(url).then().statusCode(200);
    }

    // ---- os-update_readonly_flag -----------------------------------------------------------------------------------

    @Test
    void readonlyFlagIsAdminMetadataShownInTheView() {
        String id = tenant.createVolume();
        action(tenant, id, "{\"os-update_readonly_flag\": {\"readonly\": \"true\"}}").then().statusCode(202);
        tenant.at("3.70").get(tenant.url("/volumes/" + id)).then().body("volume.metadata", equalTo(Map.of("readonly", "True")));
        tenant.at("3.70").get(tenant.url("/volumes/" + id + "/metadata")).then().body("metadata", equalTo(Map.of()));
        action(tenant, id, "{\"os-update_readonly_flag\": {\"readonly\": false}}").then().statusCode(202);
        tenant.at("3.70").get(tenant.url("/volumes/" + id)).then().body("volume.metadata.readonly", equalTo("False"));

        badRequest(action(tenant, id, "{\"os-update_readonly_flag\": {\"readonly\": \"maybe\"}}"),
                "Invalid input for field/attribute readonly. Value: maybe. 'maybe' is not one of [True, 'True', 'TRUE', 'true', '1',"
                        + " 'ON', 'On', 'on', 'YES', 'Yes', 'yes', 'y', 't', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off',"
                        + " 'NO', 'No', 'no', 'n', 'f']");
        badRequest(action(tenant, id, "{\"os-update_readonly_flag\": {\"readonly\": 1}}"),
                "Invalid input for field/attribute readonly. Value: 1. 1 is not of type 'boolean', 'string'");
        badRequest(action(tenant, id, "{\"os-update_readonly_flag\": {}}"),
                "Invalid input for field/attribute os-update_readonly_flag. Value: {}. 'readonly' is a required property");
        tenant.reserveOk(id, UUID.randomUUID().toString());
        badRequest(action(tenant, id, "{\"os-update_readonly_flag\": {\"readonly\": true}}"), "Invalid volume: Volume " + id
                + " status must be available to update readonly flag, but current status is: reserved.");
    }

    @Test
    void aReadonlyVolumeIsConnectedWriteProtected() throws Exception {
        String id = tenant.createVolume();
        action(tenant, id, "{\"os-update_readonly_flag\": {\"readonly\": true}}").then().statusCode(202);
        String initiator = "iqn.2026-11.test:readonly";
        String attachment = tenant.reserveOk(id, UUID.randomUUID().toString());
        JsonPath connected = tenant.connect(attachment, initiator).then().statusCode(200).extract().jsonPath();
        assertThat(connected.getString("attachment.connection_info.access_mode")).isEqualTo("ro");
        assertThat(connected.getString("attachment.attach_mode")).isEqualTo("ro");

        // qemu reads the LUN's write-protect bit and refuses to open it for writing; the target itself answers every
        // write command DATA PROTECT / WRITE PROTECTED (libiscsi's read-only suite, with the same CHAP account)
        Tools.Result write = qemuIo(connected, initiator, "write -P 0xab 0 64k");
        assertThat(write.exitCode()).isNotZero();
        assertThat(write.output()).isEqualTo("qemu-io: can't open: LUN is write protected\n");
        Map<String, Object> info = connected.getMap("attachment.connection_info");
        String url = "iscsi://" + info.get("auth_username") + "%" + info.get("auth_password") + "@" + info.get("target_portal")
                + "/" + info.get("target_iqn") + "/0";
        String suite = Tools.run(List.of("iscsi-test-cu", "-d", "-V", "-i", initiator, "--test", "SCSI.ReadOnly.ReadOnlySBC", url), 300)
                .output();
        assertThat(suite).contains("[OK] WRITE10 returned CHECK_CONDITION DATA PROTECTION(0x07) WRITE_PROTECTED(0x2700)")
                .doesNotContain("[FAILED]").containsPattern("tests\\s+1\\s+1\\s+1\\s+0");
        tenant.deleteAttachment(attachment).then().statusCode(200);

        // the flag cleared, the next connection writes
        action(tenant, id, "{\"os-update_readonly_flag\": {\"readonly\": false}}").then().statusCode(202);
        String again = tenant.reserveOk(id, UUID.randomUUID().toString());
        JsonPath writable = tenant.connect(again, initiator).then().statusCode(200).extract().jsonPath();
        assertThat(writable.getString("attachment.connection_info.access_mode")).isEqualTo("rw");
        Tools.Result written = qemuIo(writable, initiator, "write -P 0xab 0 64k", "read -P 0xab 0 64k");
        assertThat(written.output()).as(written.output()).contains("wrote 65536/65536 bytes").doesNotContain("Pattern verification failed");
        tenant.deleteAttachment(again).then().statusCode(200);
    }

    // ---- os-set_bootable ---------------------------------------------------------------------------------------------

    @Test
    void setBootableShowsInTheViewAndTheListFilter() {
        String id = tenant.createVolume();
        String other = tenant.createVolume();
        Response answer = action(tenant, id, "{\"os-set_bootable\": {\"bootable\": \"True\"}}");
        answer.then().statusCode(200);
        assertThat(answer.asString()).isEmpty();
        tenant.at("3.70").get(tenant.url("/volumes/" + id)).then().body("volume.bootable", equalTo("true"));
        tenant.at("3.70").get(tenant.url("/volumes/detail?bootable=true")).then().body("volumes.id", equalTo(List.of(id)));
        tenant.at("3.70").get(tenant.url("/volumes/detail?bootable=false")).then().body("volumes.id", equalTo(List.of(other)));
        action(tenant, id, "{\"os-set_bootable\": {\"bootable\": false}}").then().statusCode(200);
        tenant.at("3.70").get(tenant.url("/volumes/" + id)).then().body("volume.bootable", equalTo("false"));
        badRequest(action(tenant, id, "{\"os-set_bootable\": {\"bootable\": null}}"),
                "Invalid input for field/attribute bootable. Value: None. None is not of type 'boolean', 'string'");
        badRequest(action(tenant, id, "{\"os-set_bootable\": {\"bootable\": true, \"x\": 1}}"),
                "Invalid input for field/attribute os-set_bootable. Value: {'bootable': True, 'x': 1}. Additional properties are not allowed"
                        + " ('x' was unexpected)");
    }

    // ---- summary and limits ------------------------------------------------------------------------------------------

    @Test
    void summaryCountsTheProjectsVolumesFrom312() {
        String a = tenant.createVolume();
        tenant.at("3.70").body(Map.of("volume", Map.of("size", 3, "metadata", Map.of("env", "prod", "tier", "1")))).post(tenant.url("/volumes"))
                .then().statusCode(202);
        tenant.at("3.70").body(Map.of("metadata", Map.of("env", "test"))).post(tenant.url("/volumes/" + a + "/metadata")).then().statusCode(200);
        Tenant.fresh().createVolume(); // another project's volume is not counted

        tenant.at("3.11").get(tenant.url("/volumes/summary")).then().statusCode(404)
                .body("itemNotFound.message", equalTo("The resource could not be found."));
        tenant.at("3.12").get(tenant.url("/volumes/summary")).then().statusCode(200)
                .body("volume-summary", equalTo(Map.of("total_count", 2, "total_size", 4)));
        tenant.at("3.36").get(tenant.url("/volumes/summary")).then().statusCode(200)
                .body("volume-summary.total_count", equalTo(2))
                .body("volume-summary.metadata", equalTo(Map.of("env", List.of("prod", "test"), "tier", List.of("1"))));
        // all_tenants is an admin's
        tenant.at("3.36").get(tenant.url("/volumes/summary?all_tenants=True")).then().body("volume-summary.total_count", equalTo(2));
        long everything = Tenant.admin(tenant.project()).at("3.36").get(tenant.url("/volumes/summary?all_tenants=True")).then()
                .statusCode(200).extract().jsonPath().getLong("volume-summary.total_count");
        assertThat(everything).isGreaterThan(2);
        badRequest(tenant.at("3.36").get(tenant.url("/volumes/summary?all_tenants=perhaps")), "Value 'perhaps' for 'all_tenants' is not a boolean.");
    }

    @Test
    void limitsAreUnlimitedWithTheProjectsRealUse() {
        tenant.createVolume();
        tenant.at("3.70").body(Map.of("volume", Map.of("size", 5))).post(tenant.url("/volumes")).then().statusCode(202);
        Map<String, Object> expected = Map.of("maxTotalVolumes", -1, "maxTotalSnapshots", -1, "maxTotalVolumeGigabytes", -1,
                "maxTotalBackups", -1, "maxTotalBackupGigabytes", -1, "totalVolumesUsed", 2, "totalGigabytesUsed", 6,
                "totalSnapshotsUsed", 0, "totalBackupsUsed", 0, "totalBackupGigabytesUsed", 0);
        tenant.at("3.0").get(tenant.url("/limits")).then().statusCode(200)
                .body("limits.rate", equalTo(List.of())).body("limits.absolute", equalTo(expected));
        // a member cannot look at another project; an admin can, from 3.39
        Tenant other = Tenant.fresh();
        other.at("3.70").get(other.url("/limits?project_id=" + tenant.project())).then().body("limits.absolute.totalVolumesUsed", equalTo(0));
        Tenant admin = Tenant.admin(other.project());
        admin.at("3.39").get(admin.url("/limits?tenant_id=" + tenant.project())).then().body("limits.absolute", equalTo(expected));
        admin.at("3.38").get(admin.url("/limits?project_id=" + tenant.project())).then().body("limits.absolute.totalVolumesUsed", equalTo(0));
    }

    // ---- helpers -------------------------------------------------------------------------------------------------------

    private static Response action(Tenant who, String volume, String body) {
        return who.at("3.70").body(body).post(who.url("/volumes/" + volume + "/action"));
    }

    private void resetStatus(String volume, String status) {
        action(Tenant.admin(tenant.project()), volume, "{\"os-reset_status\": {\"status\": \"" + status + "\"}}").then().statusCode(202);
    }

    private static void badRequest(Response answer, String message) {
        answer.then().statusCode(400).body("badRequest.code", equalTo(400)).body("badRequest.message", equalTo(message));
    }

    private static String md5(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(text.getBytes()));
    }

    /** qemu-io over libiscsi with the attachment's CHAP account (the password in a file, not on the command line). */
    private static Tools.Result qemuIo(JsonPath attachment, String initiator, String... commands) throws Exception {
        Map<String, Object> info = attachment.getMap("attachment.connection_info");
        Path secretDir = Files.createTempDirectory("chap-");
        try {
            return Tools.run(Tools.qemuIoCommand(secretDir, (String) info.get("target_portal"), (String) info.get("target_iqn"),
                    (String) info.get("auth_username"), (String) info.get("auth_password"), initiator, commands));
        } finally {
            Posix.deleteTree(secretDir);
        }
    }
}
