package io.mooring.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import io.mooring.api.Api;
import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every attachment endpoint and transition (spec §4, §7; acceptance checks 8–10, 14–16, 18–20, 22, 24–27). */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class AttachmentApiTest {

    private Tenant tenant;

    @BeforeEach
    void newTenant() {
        tenant = Tenant.fresh();
    }

    private static String instance() {
        return UUID.randomUUID().toString();
    }

    @Test
    void reserveAnswers200WithAnEmptyAttachmentAndReservesTheVolume() { // check 8
        String volume = tenant.createVolume();
        String server = instance();
        tenant.reserve(volume, server).then().statusCode(200)
                .body("attachment.status", equalTo("reserved"))
                .body("attachment.instance", equalTo(server))
                .body("attachment.volume_id", equalTo(volume))
                .body("attachment.attach_mode", equalTo("null"))
                .body("attachment.attached_at", equalTo(""))
                .body("attachment.detached_at", equalTo(""))
                .body("attachment.connection_info", anEmptyMap());
        assertThat(tenant.volumeStatus(volume)).isEqualTo("reserved");
        // instance_uuid is optional: the attachment then has no instance
        String other = tenant.createVolume();
        tenant.reserve(other, null).then().statusCode(200).body("attachment.instance", equalTo(null));
    }

    @Test
    void reserveOfAnUnknownVolumeIs404() { // check 9
        String missing = UUID.randomUUID().toString();
        tenant.reserve(missing, instance()).then().statusCode(404)
                .body("itemNotFound.message", equalTo("Volume " + missing + " could not be found."));
    }

    @Test
    void secondReserveOfANonMultiattachVolumeIsRefused() { // check 10
        String volume = tenant.createVolume();
        String first = tenant.reserveOk(volume, instance());
        tenant.reserve(volume, instance()).then().statusCode(400).body("badRequest.message", equalTo("Invalid volume: Volume " + volume
                + " status must be available or downloading to reserve, but the current status is reserved."));
        tenant.connect(first, "iqn.2026-11.test:a").then().statusCode(200);
        tenant.complete(first).then().statusCode(204);
        tenant.reserve(volume, instance()).then().statusCode(400).body("badRequest.message", equalTo("Invalid volume: Volume " + volume
                + " status must be available or downloading to reserve, but the current status is in-use."));
    }

    @Test
    void updateValidatesTheConnector() { // checks 14, 15
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        String url = tenant.url("/attachments/" + attachment);
        tenant.at(Api.LATEST).body("{\"attachment\": {}}").put(url).then().statusCode(400)
                .body("badRequest.message", equalTo("Invalid input for field/attribute attachment. Value: {}. 'connector' is a required property"));
        tenant.at(Api.LATEST).body("{\"attachment\": {\"connector\": {}}}").put(url).then().statusCode(400)
                .body("badRequest.message", equalTo("Invalid input for field/attribute connector. Value: {}. {} does not have enough properties"));
        String unknown = UUID.randomUUID().toString();
        tenant.at(Api.LATEST).body(Map.of("attachment", Map.of("connector", Api.connector("iqn.x:y")))).put(tenant.url("/attachments/" + unknown))
                .then().statusCode(404)
                .body("itemNotFound.message", equalTo("Volume attachment could not be found with filter: attachment_id = " + unknown + "."));
        tenant.at(Api.LATEST).body(Map.of("attachment", Map.of("connector", Map.of("host", "h1", "ip", "127.0.0.1")))).put(url)
                .then().statusCode(400)
                .body("badRequest.message", equalTo("Invalid input received: Connector doesn't have required information: initiator"));
        tenant.at(Api.LATEST).get(url).then().statusCode(200).body("attachment.status", equalTo("reserved"));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("reserved");
    }

    @Test
    void updateConnectsAndAnswersFreshIscsiConnectionInfo() { // check 16
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        JsonPath answer = tenant.connect(attachment, "iqn.2026-11.test:host1").then().statusCode(200)
                .body("attachment.status", equalTo("attaching"))
                .body("attachment.attach_mode", equalTo("rw"))
                .body("attachment.attached_at", not(emptyString()))
                .extract().jsonPath();
        Map<String, Object> info = answer.getMap("attachment.connection_info");
        assertThat(info).containsEntry("driver_volume_type", "iscsi")
                .containsEntry("attachment_id", attachment)
                .containsEntry("volume_id", volume)
                .containsEntry("target_lun", 0)
                .containsEntry("target_discovered", false)
                .containsEntry("auth_method", "CHAP")
                .containsEntry("access_mode", "rw")
                .containsEntry("encrypted", false)
                .containsEntry("qos_specs", null)
                .doesNotContainKey("data")
                .doesNotContainKey("target_iqns");
        assertThat((String) info.get("target_iqn")).endsWith(":volume-" + volume);
        assertThat((String) info.get("target_portal")).matches(".+:\\d+");
        assertThat((String) info.get("auth_username")).isNotBlank();
        assertThat((String) info.get("auth_password")).matches("[A-Za-z0-9]{16,24}");
        tenant.at(Api.LATEST).get(tenant.url("/attachments/" + attachment)).then().statusCode(200)
                .body("attachment.status", equalTo("attaching"))
                .body("attachment.attached_at", not(emptyString()))
                .body("attachment.connection_info.auth_password", equalTo(info.get("auth_password")));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("attaching");

        // Re-connecting with the same connector keeps the credentials and the state (idempotent).
        tenant.connect(attachment, "iqn.2026-11.test:host1").then().statusCode(200)
                .body("attachment.connection_info.auth_password", equalTo(info.get("auth_password")));
    }

    @Test
    void everyAttachmentGetsItsOwnChapAccount() {
        String volume = tenant.createVolume("multiattach");
        String a1 = tenant.reserveOk(volume, instance());
        Map<String, Object> first = tenant.connect(a1, "iqn.2026-11.test:h1").then().statusCode(200).extract().jsonPath().getMap("attachment.connection_info");
        tenant.complete(a1).then().statusCode(204);
        String a2 = tenant.reserveOk(volume, instance());
        Map<String, Object> second = tenant.connect(a2, "iqn.2026-11.test:h2").then().statusCode(200).extract().jsonPath().getMap("attachment.connection_info");
        assertThat(second.get("auth_username")).isNotEqualTo(first.get("auth_username"));
        assertThat(second.get("auth_password")).isNotEqualTo(first.get("auth_password"));
        assertThat(second.get("target_iqn")).isEqualTo(first.get("target_iqn"));
    }

    @Test
    void multipathConnectorsGetTheListKeys() {
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        Map<String, Object> connector = new java.util.HashMap<>(Api.connector("iqn.2026-11.test:mp"));
        connector.put("multipath", "True"); // what the CLI sends for --multipath True
        tenant.at(Api.LATEST).body(Map.of("attachment", Map.of("connector", connector))).put(tenant.url("/attachments/" + attachment))
                .then().statusCode(200)
                .body("attachment.connection_info.target_iqns.size()", equalTo(1))
                .body("attachment.connection_info.target_portals.size()", equalTo(1))
                .body("attachment.connection_info.target_luns", equalTo(List.of(0)));
    }

    @Test
    void completeNeedsMicroversion344AndMakesTheVolumeInUse() { // check 18
        String volume = tenant.createVolume();
        String server = instance();
        String attachment = tenant.reserveOk(volume, server);
        Map<String, Object> connector = new java.util.HashMap<>(Api.connector("iqn.2026-11.test:c"));
        connector.put("host", "compute-1");
        connector.put("mountpoint", "/dev/vdc");
        tenant.at(Api.LATEST).body(Map.of("attachment", Map.of("connector", connector))).put(tenant.url("/attachments/" + attachment))
                .then().statusCode(200);
        String action = tenant.url("/attachments/" + attachment + "/action");
        tenant.at("3.27").body("{\"os-complete\": null}").post(action).then().statusCode(404)
                .body("itemNotFound.message", equalTo("The resource could not be found."));
        tenant.at("3.44").body("{\"os-complete\": null}").post(action).then().statusCode(204).body(emptyString());
        tenant.at(Api.LATEST).get(tenant.url("/attachments/" + attachment)).then().body("attachment.status", equalTo("attached"));
        JsonPath shown = Tenant.admin(tenant.project()).at(Api.LATEST).get(tenant.url("/volumes/" + volume)).then().statusCode(200).extract().jsonPath();
        assertThat(shown.getString("volume.status")).isEqualTo("in-use");
        assertThat(shown.getString("volume.attachments[0].attachment_id")).isEqualTo(attachment);
        assertThat(shown.getString("volume.attachments[0].server_id")).isEqualTo(server);
        assertThat(shown.getString("volume.attachments[0].host_name")).isEqualTo("compute-1");
        assertThat(shown.getString("volume.attachments[0].device")).isEqualTo("/dev/vdc");
        // members do not see the host name, as in Cinder
        tenant.at(Api.LATEST).get(tenant.url("/volumes/" + volume)).then().body("volume.attachments[0].host_name", equalTo(null));
    }

    @Test
    void completingAReservedAttachmentIsAConflict() { // spec §4.3: Mooring answers 409
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        tenant.complete(attachment).then().statusCode(409).body("conflictingRequest.code", equalTo(409));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("reserved");
    }

    @Test
    void unknownActionsAreRefused() { // check 19
        String attachment = tenant.reserveOk(tenant.createVolume(), instance());
        String action = tenant.url("/attachments/" + attachment + "/action");
        tenant.at(Api.LATEST).body("{\"os-bogus\": null}").post(action).then().statusCode(400).body("badRequest.message",
                equalTo("There is no such action: os-bogus. Verify the request body and Content-Type header and try again."));
        tenant.at(Api.LATEST).body("{\"os-complete\": null, \"x\": 1}").post(action).then().statusCode(400)
                .body("badRequest.message", equalTo("Malformed request body"));
    }

    @Test
    void createWithConnectorAndModeRoConnectsReadOnlyInOneCall() { // check 20
        String volume = tenant.createVolume();
        JsonPath created = tenant.at("3.54").body(Map.of("attachment", Map.of("volume_uuid", volume, "instance_uuid", instance(),
                        "connector", Api.connector("iqn.2026-11.test:ro"), "mode", "ro")))
                .post(tenant.url("/attachments")).then().statusCode(200)
                .body("attachment.status", equalTo("attaching"))
                .body("attachment.attach_mode", equalTo("ro"))
                .body("attachment.connection_info.access_mode", equalTo("ro"))
                .body("attachment.connection_info.auth_password", notNullValue())
                .extract().jsonPath();
        tenant.at(Api.LATEST).get(tenant.url("/attachments/" + created.getString("attachment.id"))).then()
                .body("attachment.status", equalTo("attaching"))
                .body("attachment.attach_mode", equalTo("ro"));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("attaching");
    }

    @Test
    void deletingAReservedOrAttachedVolumeIsRefused() { // check 21
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        String refusal = "Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing "
                + "and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from "
                + "snapshots after volume transfer.";
        tenant.at(Api.LATEST).delete(tenant.url("/volumes/" + volume)).then().statusCode(400).body("badRequest.message", equalTo(refusal));
        tenant.connect(attachment, "iqn.2026-11.test:d").then().statusCode(200);
        tenant.complete(attachment).then().statusCode(204);
        tenant.at(Api.LATEST).delete(tenant.url("/volumes/" + volume)).then().statusCode(400).body("badRequest.message", equalTo(refusal));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");
    }

    @Test
    void deleteAnswersTheRemainingAttachmentsAndFreesTheVolume() { // check 22
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        tenant.connect(attachment, "iqn.2026-11.test:del").then().statusCode(200);
        tenant.complete(attachment).then().statusCode(204);
        tenant.deleteAttachment(attachment).then().statusCode(200).body("attachments", equalTo(List.of()));
        tenant.deleteAttachment(attachment).then().statusCode(404)
                .body("itemNotFound.message", equalTo("Volume attachment could not be found with filter: attachment_id = " + attachment + "."));
        tenant.at(Api.LATEST).get(tenant.url("/attachments/" + attachment)).then().statusCode(404);
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
        tenant.at(Api.LATEST).delete(tenant.url("/volumes/" + volume)).then().statusCode(202);
        tenant.at(Api.LATEST).get(tenant.url("/volumes/" + volume)).then().statusCode(404);
    }

    @Test
    void deletingAReservationIsAPureDatabaseChange() { // Bug #1702512, #1738254
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        tenant.deleteAttachment(attachment).then().statusCode(200).body("attachments", equalTo(List.of()));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
    }

    @Test
    void multiattachFollowsCindersStateMachine() { // check 24
        String volume = tenant.createVolume("multiattach");
        tenant.at(Api.LATEST).get(tenant.url("/volumes/" + volume)).then().body("volume.multiattach", equalTo(true));
        String a1 = tenant.reserveOk(volume, instance());
        tenant.connect(a1, "iqn.2026-11.test:m1").then().statusCode(200);
        tenant.complete(a1).then().statusCode(204);
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");

        String a2 = tenant.reserveOk(volume, instance());
        assertThat(tenant.volumeStatus(volume)).isEqualTo("reserved");
        tenant.reserve(volume, instance()).then().statusCode(400).body("badRequest.message", equalTo("Invalid volume: Volume " + volume
                + " status must be available or in-use or downloading to reserve, but the current status is reserved."));
        tenant.connect(a2, "iqn.2026-11.test:m2").then().statusCode(200);
        tenant.reserve(volume, instance()).then().statusCode(400).body("badRequest.message", equalTo("Invalid volume: Volume " + volume
                + " status must be available or in-use or downloading to reserve, but the current status is attaching."));
        tenant.complete(a2).then().statusCode(204);
        tenant.at(Api.LATEST).get(tenant.url("/volumes/" + volume)).then()
                .body("volume.status", equalTo("in-use"))
                .body("volume.attachments.size()", equalTo(2));

        tenant.deleteAttachment(a2).then().statusCode(200).body("attachments.id", equalTo(List.of(a1)));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");
        tenant.deleteAttachment(a1).then().statusCode(200).body("attachments", equalTo(List.of()));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
    }

    @Test
    void sameInstanceOverrideThenDuplicateConnectorIsAConflict() { // check 25
        String volume = tenant.createVolume();
        String server = instance();
        String a = tenant.reserveOk(volume, server);
        tenant.connect(a, "iqn.2026-11.test:src").then().statusCode(200);
        tenant.complete(a).then().statusCode(204);

        String b = tenant.reserveOk(volume, server);
        assertThat(b).isNotEqualTo(a);
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");
        // a retry of the same override returns the same unconnected attachment instead of piling up rows
        assertThat(tenant.reserveOk(volume, server)).isEqualTo(b);

        tenant.connect(b, "iqn.2026-11.test:dst").then().statusCode(409)
                .body("conflictingRequest.message", equalTo("Resource conflict: duplicate connectors detected on volume " + volume));
        tenant.at(Api.LATEST).get(tenant.url("/attachments/" + b)).then().body("attachment.status", equalTo("reserved"));
        tenant.deleteAttachment(b).then().statusCode(200).body("attachments.id", equalTo(List.of(a)));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");
    }

    @Test
    void reservingAVolumeInErrorIsRefused() { // check 26
        String volume = tenant.createVolume();
        Tenant admin = Tenant.admin(tenant.project());
        admin.at(Api.LATEST).body("{\"os-reset_status\": {\"status\": \"error\"}}").post(tenant.url("/volumes/" + volume + "/action"))
                .then().statusCode(202);
        tenant.reserve(volume, instance()).then().statusCode(400).body("badRequest.message", equalTo("Invalid volume: Volume attachments "
                + "can not be created if the volume is in an error state. The Volume " + volume + " currently has a status of: error "));
        // members may not reset a status
        tenant.at(Api.LATEST).body("{\"os-reset_status\": {\"status\": \"available\"}}").post(tenant.url("/volumes/" + volume + "/action"))
                .then().statusCode(403).body("forbidden.code", equalTo(403));
    }

    @Test
    void updatingAnAttachmentOfAVolumeInErrorIsAConflict() { // spec §4.2, Bug #1907295
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        Tenant.admin(tenant.project()).at(Api.LATEST).body("{\"os-reset_status\": {\"status\": \"error\"}}")
                .post(tenant.url("/volumes/" + volume + "/action")).then().statusCode(202);
        tenant.connect(attachment, "iqn.2026-11.test:e").then().statusCode(409).body("conflictingRequest.code", equalTo(409));
    }

    @Test
    void listsShowSummaryOrDetailAndFilter() { // check 27
        String v1 = tenant.createVolume("multiattach");
        String v2 = tenant.createVolume();
        String server = instance();
        String a1 = tenant.reserveOk(v1, server);
        tenant.connect(a1, "iqn.2026-11.test:l1").then().statusCode(200);
        tenant.complete(a1).then().statusCode(204);
        String a2 = tenant.reserveOk(v1, null);
        String a3 = tenant.reserveOk(v2, instance());
        tenant.connect(a3, "iqn.2026-11.test:l3").then().statusCode(200);

        JsonPath summary = tenant.at("3.27").get(tenant.url("/attachments")).then().statusCode(200).extract().jsonPath();
        assertThat(summary.getList("attachments")).hasSize(3);
        assertThat(((Map<?, ?>) summary.getList("attachments").get(0)).keySet()).isEqualTo(Set.of("id", "status", "instance", "volume_id"));
        // default order: created_at desc
        assertThat(summary.getList("attachments.id")).containsExactly(a3, a2, a1);

        JsonPath detail = tenant.at("3.27").get(tenant.url("/attachments/detail")).then().statusCode(200).extract().jsonPath();
        assertThat(((Map<?, ?>) detail.getList("attachments").get(0)).keySet()).isEqualTo(Set.of("id", "status", "instance", "volume_id",
                "attached_at", "detached_at", "attach_mode", "connection_info"));
        assertThat(detail.getString("attachments[0].connection_info.driver_volume_type")).isEqualTo("iscsi");

        assertThat(ids("?volume_id=" + v1)).containsExactlyInAnyOrder(a1, a2);
        assertThat(ids("?instance_id=" + server)).containsExactly(a1);
        assertThat(ids("?attach_status=attaching")).containsExactly(a3);
        assertThat(ids("?status=reserved")).containsExactly(a2); // Cinder matches nothing here (§9.1)
        assertThat(ids("?status=attached")).containsExactly(a1);
        assertThat(ids("?volume_id=not-a-uuid")).isEmpty();
        assertThat(ids("?sort=created_at:asc")).containsExactly(a1, a2, a3);
        assertThat(ids("?sort_key=created_at&sort_dir=asc")).containsExactly(a1, a2, a3);

        tenant.at("3.27").get(tenant.url("/attachments?sort=bogus:asc")).then().statusCode(400)
                .body("badRequest.message", equalTo("Invalid input received: Invalid sort key"));
        tenant.at("3.27").get(tenant.url("/attachments?sort=created_at&sort_key=id")).then().statusCode(400)
                .body("badRequest.message", equalTo("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter."));
        tenant.at("3.27").get(tenant.url("/attachments?limit=-1")).then().statusCode(400)
                .body("badRequest.message", equalTo("limit param must be positive"));
        tenant.at("3.27").get(tenant.url("/attachments?limit=abc")).then().statusCode(400)
                .body("badRequest.message", equalTo("limit param must be an integer"));
        tenant.at("3.27").get(tenant.url("/attachments?offset=-3")).then().statusCode(400);
        String unknown = UUID.randomUUID().toString();
        tenant.at("3.27").get(tenant.url("/attachments?marker=" + unknown)).then().statusCode(404)
                .body("itemNotFound.message", equalTo("Volume attachment could not be found with filter: attachment_id = " + unknown + "."));

        // paging: limit + marker walk the list in created_at desc order without overlap
        List<String> page1 = ids("?limit=2");
        List<String> page2 = ids("?limit=2&marker=" + page1.get(1));
        assertThat(page1).containsExactly(a3, a2);
        assertThat(page2).containsExactly(a1);
        assertThat(ids("?limit=1&offset=1")).containsExactly(a2);
        assertThat(ids("?limit=0")).isEmpty();
    }

    private List<String> ids(String query) {
        return tenant.at("3.27").get(tenant.url("/attachments" + query)).then().statusCode(200).extract().jsonPath().getList("attachments.id");
    }

    @Test
    void membersGetInvalidFilterErrorsFrom331AndAllTenantsIsIgnored() { // check 28
        tenant.at("3.31").get(tenant.url("/attachments?foo=bar")).then().statusCode(400)
                .body("badRequest.message", equalTo("Invalid filters foo are found in query options."));
        tenant.at("3.30").get(tenant.url("/attachments?foo=bar")).then().statusCode(200);
        String mine = tenant.reserveOk(tenant.createVolume(), instance());
        Tenant other = Tenant.fresh();
        other.reserveOk(other.createVolume(), instance());
        assertThat(ids("?all_tenants=1")).containsExactly(mine);
    }

    @Test
    void adminsSeeEveryProjectWithAllTenants() {
        Tenant other = Tenant.fresh();
        String theirs = other.reserveOk(other.createVolume(), instance());
        Tenant admin = Tenant.admin(tenant.project());
        List<String> all = admin.at("3.27").get(tenant.url("/attachments?all_tenants=1")).then().statusCode(200)
                .extract().jsonPath().getList("attachments.id");
        assertThat(all).contains(theirs);
        List<String> scoped = admin.at("3.27").get(tenant.url("/attachments")).then().statusCode(200)
                .extract().jsonPath().getList("attachments.id");
        assertThat(scoped).doesNotContain(theirs);
        List<String> byProject = admin.at("3.27").get(tenant.url("/attachments?all_tenants=1&project_id=" + other.project())).then()
                .statusCode(200).extract().jsonPath().getList("attachments.id");
        assertThat(byProject).containsExactly(theirs);
        // an admin may read any attachment by id, as in Cinder
        admin.at("3.27").get(tenant.url("/attachments/" + theirs)).then().statusCode(200);
    }

    @Test
    void theConnectorIsStoredKeyByKey() throws Throwable {
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        Map<String, Object> connector = new java.util.HashMap<>(Api.connector("iqn.2026-11.test:specs"));
        connector.put("wwpns", List.of("50014380186af83c", "50014380186af83e")); // a list survives (Bug #1737724)
        tenant.at(Api.LATEST).body(Map.of("attachment", Map.of("connector", connector))).put(tenant.url("/attachments/" + attachment))
                .then().statusCode(200);
        List<AttachmentSpec> specs = io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(() -> io.quarkus.hibernate.reactive.panache.Panache
                .withSession(() -> AttachmentSpec.<AttachmentSpec>find("attachmentId", UUID.fromString(attachment)).list()));
        assertThat(specs).extracting(s -> s.key).containsExactlyInAnyOrderElementsOf(connector.keySet());
        assertThat(specs).filteredOn(s -> s.key.equals("wwpns")).extracting(s -> s.value)
                .containsExactly("[\"50014380186af83c\",\"50014380186af83e\"]");
        assertThat(specs).filteredOn(s -> s.key.equals("initiator")).extracting(s -> s.value)
                .containsExactly("\"iqn.2026-11.test:specs\"");
    }

    @Test
    void theChapSecretIsEncryptedAtRest() throws Throwable {
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        String password = tenant.connect(attachment, "iqn.2026-11.test:enc").then().statusCode(200)
                .extract().path("attachment.connection_info.auth_password");
        VolumeAttachment row = io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(() -> io.quarkus.hibernate.reactive.panache.Panache
                .withSession(() -> VolumeAttachment.<VolumeAttachment>findById(UUID.fromString(attachment))));
        assertThat(new String(row.chapSecret, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(password);
        assertThat(row.chapSecret.length).isGreaterThan(password.length());
    }

    @Test
    void deletedAttachmentsNeverAppearInLists() {
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        tenant.deleteAttachment(attachment).then().statusCode(200);
        assertThat(ids("")).doesNotContain(attachment);
        assertThat(ids("?attach_status=detached")).isEmpty();
    }

    @Test
    void grantsToRestoreHoldEveryConnectedAttachmentWithItsSecret() throws Throwable {
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        Map<String, Object> info = tenant.connect(attachment, "iqn.2026-11.test:restore").then().statusCode(200)
                .extract().jsonPath().getMap("attachment.connection_info");
        String reservedOnly = tenant.reserveOk(tenant.createVolume(), instance());
        List<io.mooring.export.ExportGrant> grants = io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(
                () -> io.quarkus.arc.Arc.container().instance(AttachmentService.class).get().grantsToRestore());
        io.mooring.export.ExportGrant grant = grants.stream().filter(g -> g.chapUser().equals(info.get("auth_username"))).findFirst().orElseThrow();
        assertThat(grant.volumeId()).isEqualTo(volume);
        assertThat(grant.initiatorIqn()).isEqualTo("iqn.2026-11.test:restore");
        assertThat(grant.chapSecret()).isEqualTo(info.get("auth_password"));
        assertThat(grant.readOnly()).isFalse();
        assertThat(grant.backingPath().toString()).endsWith(volume + ".img");
        assertThat(grant.toString()).doesNotContain(grant.chapSecret());
        assertThat(grants).noneMatch(g -> g.chapUser().contains(reservedOnly.replace("-", "")));
    }

    @Test
    void adminsListDanglingAttachments() {
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, instance());
        List<String> stale = Api.as(Api.adminToken(), null).get("/mooring/attachments/stale?minutes=0").then().statusCode(200)
                .extract().jsonPath().getList("attachments.id");
        assertThat(stale).contains(attachment);
        assertThat(Api.as(Api.adminToken(), null).get("/mooring/attachments/stale").then().statusCode(200)
                .extract().jsonPath().<String>getList("attachments.id")).doesNotContain(attachment);
        Api.as(tenant.token(), null).get("/mooring/attachments/stale").then().statusCode(403);
        Api.as(Api.adminToken(), null).get("/mooring/attachments/stale?minutes=x").then().statusCode(400);
    }

    @Test
    void attachmentResponsesHaveCindersKeys() {
        String volume = tenant.createVolume();
        tenant.reserve(volume, instance()).then().statusCode(200).body("attachment", hasKey("connection_info"));
    }
}
