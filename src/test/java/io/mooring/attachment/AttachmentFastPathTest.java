package io.mooring.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import io.mooring.api.Api;
import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.mooring.volume.Volume;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one-statement reserve and the pipelined delete answer and leave the database as the entity path does: the
 * volume's state derived from what remains, other volume states left to the entity path, lost swaps answered by it.
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class AttachmentFastPathTest {

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

    private static void setVolumeStatus(String volume, String status) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> Volume.update("status = ?1 where id = ?2", status, UUID.fromString(volume))));
    }
}
