package io.mooring.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import io.mooring.api.Api;
import io.mooring.api.Api.Tenant;
import io.mooring.export.TargetEngineExporter;
import io.mooring.testing.PostgresTestResource;
import io.mooring.volume.Volume;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one-statement reserve, the one-statement connect and the pipelined deletes answer and leave the database and the
 * target as the entity path does: the volume's state derived from what remains, other volume states left to the entity
 * path, lost swaps answered by it, a connected attachment's account revoked before it is deleted.
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class AttachmentFastPathTest {

    @Inject
    TargetEngineExporter exporter;

    private Tenant tenant;

    @BeforeEach
    void newTenant() {
        tenant = Tenant.fresh();
    }

    @Test
    void deletingAReservationBesideAnAttachedOneLeavesTheVolumeInUse() {
        String volume = tenant.createVolume("multiattach");
        String attached = tenant.reserveOk(volume, UUID.randomUUID().toString());
        tenant.connect(attached, "iqn.2026-11.test:fast-a").then().statusCode(200);
        tenant.complete(attached).then().statusCode(204);
        String reserved = tenant.reserveOk(volume, UUID.randomUUID().toString());
        assertThat(tenant.volumeStatus(volume)).isEqualTo("reserved");

        tenant.deleteAttachment(reserved).then().statusCode(200)
                .body("attachments.id", contains(attached))
                .body("attachments[0].status", equalTo("attached"));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");
        tenant.deleteAttachment(attached).then().statusCode(200).body("attachments", empty());
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
    }

    @Test
    void aVolumeOutsideTheAttachWorkflowKeepsItsStatusWhenAReservationIsDeleted() throws Throwable {
        String volume = tenant.createVolume();
        String reserved = tenant.reserveOk(volume, UUID.randomUUID().toString());
        setVolumeStatus(volume, "maintenance");

        tenant.deleteAttachment(reserved).then().statusCode(200).body("attachments", empty());
        assertThat(tenant.volumeStatus(volume)).isEqualTo("maintenance");
        tenant.at(Api.LATEST).get(tenant.url("/attachments/" + reserved)).then().statusCode(404);
    }

    @Test
    void aLostSwapIsAnsweredByTheEntityPath() {
        String volume = tenant.createVolume();
        String server = UUID.randomUUID().toString();
        String first = tenant.reserveOk(volume, server);
        // the same instance again: its unconnected attachment, not a second one
        tenant.reserve(volume, server).then().statusCode(200).body("attachment.id", equalTo(first));
        tenant.reserve(volume, UUID.randomUUID().toString()).then().statusCode(400);
        Tenant.fresh().reserve(volume, server).then().statusCode(404);
        tenant.deleteAttachment(first).then().statusCode(200);
        tenant.deleteAttachment(first).then().statusCode(404);
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
    }

    @Test
    void theFastPathsCountTheirTransitions() {
        AttachmentTransitions.Transition reserving = new AttachmentTransitions.Transition(AttachmentTransitions.NONE, AttachStatus.RESERVED);
        AttachmentTransitions.Transition unreserving = new AttachmentTransitions.Transition(AttachStatus.RESERVED, AttachStatus.DETACHED);
        long reservedBefore = AttachmentTransitions.counts().getOrDefault(reserving, 0L);
        long deletedBefore = AttachmentTransitions.counts().getOrDefault(unreserving, 0L);
        String volume = tenant.createVolume();
        String reserved = tenant.reserveOk(volume, UUID.randomUUID().toString());
        tenant.deleteAttachment(reserved).then().statusCode(200);
        // other tests of this JVM may count too, never less
        assertThat(AttachmentTransitions.counts().get(reserving)).isGreaterThanOrEqualTo(reservedBefore + 1);
        assertThat(AttachmentTransitions.counts().get(unreserving)).isGreaterThanOrEqualTo(deletedBefore + 1);
    }

    @Test
    void aCreateWithAConnectorExportsAndKeepsTheConnectorAndItsDeleteRevokes() {
        Map<AttachmentTransitions.Transition, Long> before = AttachmentTransitions.counts();
        String volume = tenant.createVolume();
        String initiator = "iqn.2026-12.test:fast-connect";
        Response created = tenant.createConnected(volume, UUID.randomUUID().toString(), initiator);
        created.then().statusCode(200)
                .body("attachment.status", equalTo("attaching"))
                .body("attachment.attach_mode", equalTo("rw"))
                .body("attachment.connection_info.auth_method", equalTo("CHAP"))
                .body("attachment.connection_info.target_iqn", equalTo(exporter.targetIqn(volume)))
                .body("attachment.connection_info.target_portal", equalTo(exporter.portal()));
        String id = created.path("attachment.id");
        String user = created.path("attachment.connection_info.auth_username");
        assertThat(tenant.volumeStatus(volume)).isEqualTo("attaching");
        assertThat(exporter.exported().get(volume)).containsExactly(user);
        // the same connector again is the idempotent re-connect: the stored specs are exactly the connector sent
        tenant.connect(id, initiator).then().statusCode(200)
                .body("attachment.connection_info.auth_username", equalTo(user))
                .body("attachment.connection_info.auth_password", equalTo(created.path("attachment.connection_info.auth_password")));

        tenant.complete(id).then().statusCode(204);
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");
        tenant.deleteAttachment(id).then().statusCode(200).body("attachments", empty());
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
        assertThat(exporter.exported()).doesNotContainKey(volume);
        tenant.at(Api.LATEST).get(tenant.url("/attachments/" + id)).then().statusCode(404);

        Map<AttachmentTransitions.Transition, Long> after = AttachmentTransitions.counts();
        for (String[] step : new String[][] {{AttachmentTransitions.NONE, AttachStatus.ATTACHING},
                {AttachStatus.ATTACHED, AttachStatus.DETACHING}, {AttachStatus.DETACHING, AttachStatus.DETACHED}}) {
            AttachmentTransitions.Transition transition = new AttachmentTransitions.Transition(step[0], step[1]);
            assertThat(after.get(transition)).as("%s counted", transition).isGreaterThan(before.getOrDefault(transition, 0L));
        }
    }

    @Test
    void aReadOnlyVolumeIsConnectedReadOnly() {
        String volume = tenant.createVolume();
        tenant.at(Api.LATEST).body("{\"os-update_readonly_flag\": {\"readonly\": true}}")
                .post(tenant.url("/volumes/" + volume + "/action")).then().statusCode(202);
        tenant.createConnected(volume, UUID.randomUUID().toString(), "iqn.2026-12.test:fast-ro").then().statusCode(200)
                .body("attachment.attach_mode", equalTo("ro"))
                .body("attachment.connection_info.access_mode", equalTo("ro"));
    }

    @Test
    void deletingAConnectedAttachmentBesideAnAttachedOneLeavesTheVolumeInUse() {
        String volume = tenant.createVolume("multiattach");
        String attached = tenant.createConnected(volume, UUID.randomUUID().toString(), "iqn.2026-12.test:fast-m1")
                .then().statusCode(200).extract().path("attachment.id");
        tenant.complete(attached).then().statusCode(204);
        Response second = tenant.createConnected(volume, UUID.randomUUID().toString(), "iqn.2026-12.test:fast-m2");
        second.then().statusCode(200).body("attachment.status", equalTo("attaching"));
        assertThat(tenant.volumeStatus(volume)).as("as Cinder: attaching while the new one connects").isEqualTo("attaching");
        assertThat(exporter.exported().get(volume)).hasSize(2);

        tenant.deleteAttachment(second.path("attachment.id")).then().statusCode(200)
                .body("attachments.id", contains(attached))
                .body("attachments[0].status", equalTo("attached"));
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");
        assertThat(exporter.exported().get(volume)).hasSize(1);
    }

    @Test
    void aConnectThatLosesTheSwapIsAnsweredByTheEntityPath() {
        String volume = tenant.createVolume();
        tenant.createConnected(volume, UUID.randomUUID().toString(), "iqn.2026-12.test:fast-l1").then().statusCode(200);
        tenant.createConnected(volume, UUID.randomUUID().toString(), "iqn.2026-12.test:fast-l2").then().statusCode(400);
        Tenant.fresh().createConnected(volume, UUID.randomUUID().toString(), "iqn.2026-12.test:fast-l3").then().statusCode(404);
        assertThat(exporter.exported().get(volume)).hasSize(1);
    }

    private static void setVolumeStatus(String volume, String status) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> Volume.update("status = ?1 where id = ?2", status, UUID.fromString(volume))));
    }
}
