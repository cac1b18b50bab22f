package io.mooring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.api.Api.Tenant;
import io.mooring.attachment.VolumeAttachment;
import io.mooring.export.TargetEngineExporter;
import io.mooring.testing.PostgresTestResource;
import io.mooring.volume.BackingStore;
import io.mooring.volume.Volume;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each state a crash can leave, made directly in the database (the crash proofs against the packaged appliance are
 * {@code CrashConsistencyIT}), and what one reconciliation pass or a retried request does with it.
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class ReconcilerTest {

    static final String INITIATOR = "iqn.2024-01.test:reconcile";

    @Inject
    Reconciler reconciler;

    @Inject
    BackingStore store;

    @Inject
    TargetEngineExporter exporter;

    private Tenant tenant;

    @BeforeEach
    void newTenant() {
        tenant = Tenant.fresh();
    }

    @Test
    void aVolumeLeftCreatingWithoutItsFileIsAllocatedAndAvailable() throws Throwable {
        String volume = tenant.createVolume();
        Path file = store.fileFor(UUID.fromString(volume));
        Files.delete(file);
        setVolumeStatus(volume, "creating");

        repair();
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
        assertThat(Files.size(file)).isEqualTo(1L << 30);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
    }

    @Test
    void aVolumeLeftDeletingLosesItsFileAndRow() throws Throwable {
        String volume = tenant.createVolume();
        setVolumeStatus(volume, "deleting");

        repair();
        tenant.at("3.70").get(tenant.url("/volumes/" + volume)).then().statusCode(404);
        assertThat(store.fileFor(UUID.fromString(volume))).doesNotExist();
    }

    @Test
    void aDetachingAttachmentIsNeverReconnectedAndARetriedDeleteFinishesIt() throws Throwable {
        String volume = tenant.createVolume();
        String attachment = connected(volume);
        String user = chapUser(attachment);
        setAttachmentStatus(attachment, "detaching");

        tenant.connect(attachment, INITIATOR).then().statusCode(409);
        tenant.deleteAttachment(attachment).then().statusCode(200);
        tenant.at("3.70").get(tenant.url("/attachments/" + attachment)).then().statusCode(404);
        assertThat(exporter.exported().getOrDefault(volume, Set.of())).doesNotContain(user);
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
    }

    @Test
    void anAttachmentLeftDetachingIsRevokedAndDeleted() throws Throwable {
        String volume = tenant.createVolume();
        String attachment = connected(volume);
        String user = chapUser(attachment);
        setAttachmentStatus(attachment, "detaching");

        repair();
        tenant.at("3.70").get(tenant.url("/attachments/" + attachment)).then().statusCode(404);
        assertThat(exporter.exported().getOrDefault(volume, Set.of())).doesNotContain(user);
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
    }

    @Test
    void theTargetsGrantsFollowTheDatabase() throws Throwable {
        String volume = tenant.createVolume();
        String attachment = connected(volume);
        String user = chapUser(attachment);

        exporter.revoke(volume, user); // a connect whose commit succeeded although the request saw it fail
        repair();
        assertThat(exporter.exported().get(volume)).containsExactly(user);

        setAttachmentStatus(attachment, "reserved"); // a grant whose connect was rolled back
        repair();
        assertThat(exporter.exported()).doesNotContainKey(volume);
    }

    @Test
    void onlyFilesNamedLikeAVolumeWithoutARowAreSetAside() throws Throwable {
        String volume = tenant.createVolume();
        Path directory = store.volumesDirectory();
        Path orphan = Files.writeString(directory.resolve(UUID.randomUUID() + ".img"), "orphan");
        Path other = Files.writeString(directory.resolve("not-a-volume-" + UUID.randomUUID() + ".img"), "kept");

        repair();
        assertThat(orphan).doesNotExist();
        assertThat(directory.resolve("orphaned").resolve(orphan.getFileName())).hasContent("orphan");
        assertThat(other).exists();
        assertThat(store.fileFor(UUID.fromString(volume))).exists();
        Files.delete(other);
    }

    @Test
    void aVolumeLeftExtendingIsGrownAndReturnsToItsStatusWithTheNewSize() throws Throwable {
        String volume = tenant.createVolume();
        setExtending(volume, "available", 3);

        repair();
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
        tenant.at("3.70").get(tenant.url("/volumes/" + volume)).then().body("volume.size", org.hamcrest.Matchers.equalTo(3));
        assertThat(Files.size(store.fileFor(UUID.fromString(volume)))).isEqualTo(3L << 30);
    }

    @Test
    void anAttachedVolumeLeftExtendingAfterItsFileGrewKeepsTheFileAndItsAttachment() throws Throwable {
        String volume = tenant.createVolume();
        String attachment = connected(volume);
        tenant.complete(attachment).then().statusCode(204);
        Path file = store.fileFor(UUID.fromString(volume));
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(2L << 30);
        }
        setExtending(volume, "in-use", 2);

        repair();
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");
        tenant.at("3.70").get(tenant.url("/volumes/" + volume)).then().body("volume.size", org.hamcrest.Matchers.equalTo(2));
        assertThat(Files.size(file)).isEqualTo(2L << 30);
        assertThat(exporter.exported()).containsEntry(volume, Set.of(chapUser(attachment)));
    }

    private String connected(String volume) {
        String attachment = tenant.reserveOk(volume, UUID.randomUUID().toString());
        tenant.connect(attachment, INITIATOR).then().statusCode(200);
        return attachment;
    }

    private void repair() throws Throwable {
        VertxContextSupport.subscribeAndAwait(reconciler::repair);
    }

    private static String chapUser(String attachment) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(
                () -> VolumeAttachment.<VolumeAttachment>findById(UUID.fromString(attachment)).map(a -> a.chapUser)));
    }

    private static void setVolumeStatus(String volume, String status) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> Volume.update("status = ?1 where id = ?2", status, UUID.fromString(volume))));
    }

    /** What a crash after the intent's commit leaves: extending, the status to return to and the size asked for. */
    private static void setExtending(String volume, String previous, int toGib) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> Volume.update(
                "status = 'extending', previousStatus = ?1, extendingTo = ?2 where id = ?3", previous, toGib, UUID.fromString(volume))));
    }

    private static void setAttachmentStatus(String attachment, String status) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> VolumeAttachment.update("attachStatus = ?1 where id = ?2", status, UUID.fromString(attachment))));
    }
}
