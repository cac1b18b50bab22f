package io.mooring.reconcile;

import io.mooring.attachment.AttachmentService;
import io.mooring.boot.MooringConfig;
import io.mooring.export.TargetEngineExporter;
import io.mooring.health.DatabaseAvailability;
import io.mooring.volume.BackingStore;
import io.mooring.volume.BusyVolumes;
import io.mooring.volume.VolumeExtendService;
import io.mooring.volume.VolumeService;
import io.mooring.volume.VolumeStatus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Finishes or rolls back what a crash, or a request whose later steps failed, left half-done: volumes in
 * {@code creating} (allocated again, then available), {@code deleting} (file removed, then the row) or {@code extending}
 * (grown again, the target told, then the new size; a raw device too small rolls back), attachments in
 * {@code detaching} (revoked, then deleted), target grants that disagree with the database's connected attachments,
 * and volume files that no volume row names. It runs at start-up, once the target serves what the database says is
 * connected, and then every {@code mooring.reconcile.interval}, leaving alone the volumes a running request is working
 * on. Each repair is logged as one line; a pass that repairs nothing logs nothing.
 */
@Singleton
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    private final VolumeService volumes;
    private final VolumeExtendService extender;
    private final AttachmentService attachments;
    private final TargetEngineExporter exporter;
    private final BackingStore store;
    private final BusyVolumes busy;
    private final MooringConfig config;
    private final Vertx vertx;
    /** Only the timer's thread reads and writes it. */
    private boolean failing;
    private ScheduledExecutorService timer;

    public Reconciler(VolumeService volumes, VolumeExtendService extender, AttachmentService attachments, TargetEngineExporter exporter, BackingStore store,
                      BusyVolumes busy, MooringConfig config, Vertx vertx) {
        this.volumes = volumes;
        this.extender = extender;
        this.attachments = attachments;
        this.exporter = exporter;
        this.store = store;
        this.busy = busy;
        this.config = config;
        this.vertx = vertx;
    }

    /** After {@code ExportLifecycle} (priority 100) has started the target with the database's grants. */
    void onStart(@Observes @Priority(110) StartupEvent event) {
        try {
            VertxContextSupport.subscribeAndAwait(this::repair);
        } catch (Throwable e) {
            LOG.warnf("Reconciliation at start-up did not finish (it is retried every %s): %s", config.reconcile().interval(), e.toString());
        }
        // After the orphans are gone: only the files of volumes are worth a line.
        try {
            for (Path tightened : store.tightenModes()) {
                LOG.infof("Reconciliation: %s was readable by others, now owner-only", tightened);
            }
        } catch (IOException e) {
            LOG.warnf("Cannot make the volumes owner-only: %s", e.toString());
        }
        long period = config.reconcile().interval().toMillis();
        timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "mooring-reconcile");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::repairInBackground, period, period, TimeUnit.MILLISECONDS);
    }

    /** Before the target stops (observers without a priority run later). */
    void onStop(@Observes @Priority(100) ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /**
     * A pass that fails is retried by the next one. An unreachable database is reported by its own monitors; any other
     * failure is logged once when passes start failing and once when they work again.
     */
    private void repairInBackground() {
        try {
            VertxContextSupport.subscribeAndAwait(this::repair);
            if (failing) {
                failing = false;
                LOG.info("Reconciliation passes complete again");
            }
        } catch (Throwable e) {
            if (!failing && !DatabaseAvailability.isUnavailable(e)) {
                failing = true;
                LOG.warnf("Reconciliation passes fail, retried every %s: %s", config.reconcile().interval(), e.toString());
            }
        }
    }

    /** One pass; call it from a Vert.x context. */
    Uni<Void> repair() {
        return volumes.idsIn(VolumeStatus.CREATING)
                .chain(ids -> each(idle(ids), id -> volumes.finishCreating(id).invoke(status -> {
                    if (status != null) {
                        LOG.infof("Reconciliation: volume %s was left creating: backing store allocated, now %s", id, status);
                    }
                })))
                .chain(() -> volumes.idsIn(VolumeStatus.DELETING))
                .chain(ids -> each(idle(ids), id -> volumes.finishDeleting(id).invoke(outcome -> {
                    if ("deleted".equals(outcome)) {
                        LOG.infof("Reconciliation: volume %s was left deleting: backing store released, volume deleted", id);
                    } else if (outcome != null) {
                        LOG.infof("Reconciliation: volume %s was left deleting: its backing store cannot be released, now %s", id, outcome);
                    }
                })))
                .chain(() -> volumes.idsIn(VolumeStatus.EXTENDING))
                .chain(ids -> each(idle(ids), id -> extender.finishExtending(id).invoke(finished -> {
                    if (finished != null) {
                        LOG.infof("Reconciliation: volume %s was left extending: %s, now %s with %d GiB", id,
                                switch (finished.outcome()) {
                                    case EXTENDED -> "backing store grown, the target told";
                                    case ROLLED_BACK -> "the raw device is too small, rolled back";
                                    case FAILED -> "its backing store cannot grow";
                                }, finished.status(), finished.sizeGib());
                    }
                })))
                .chain(attachments::volumesDetaching)
                .chain(ids -> each(idle(ids), id -> attachments.finishDetaching(id).invoke(finished -> finished.forEach(attachment ->
                        LOG.infof("Reconciliation: attachment %s of volume %s was left detaching: revoked and deleted", attachment, id)))))
                .chain(attachments::connectedUsers)
                .chain(connected -> each(idle(disagreeing(connected, exporter.exported())), id -> attachments.syncExports(id)
                        .invoke(changes -> changes.forEach(change -> LOG.infof("Reconciliation: %s", change)))))
                .chain(this::setAsideOrphanFiles);
    }

    /** The volumes whose grants on the target differ from their connected attachments' (checked again under lock). */
    private static List<UUID> disagreeing(Map<String, Set<String>> connected, Map<String, Set<String>> served) {
        Set<String> volumeIds = new HashSet<>(connected.keySet());
        volumeIds.addAll(served.keySet());
        volumeIds.removeIf(id -> connected.getOrDefault(id, Set.of()).equals(served.getOrDefault(id, Set.of())));
        return volumeIds.stream().map(UUID::fromString).toList();
    }

    /** Without the volumes a request is working on now (each step checks again under the volume's row lock). */
    private List<UUID> idle(Collection<UUID> volumeIds) {
        return volumeIds.stream().filter(id -> !busy.busy(id)).toList();
    }

    /**
     * A volume's row is committed before its file is created and deleted after its file is removed, so no crash leaves
     * a file whose row is absent (looked up after the directory was listed): such a file came from outside (a database
     * restored from an older backup, another database configured), so it is set aside, not deleted.
     */
    private Uni<Void> setAsideOrphanFiles() {
        return blocking(() -> {
            try {
                return store.volumeFiles();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).chain(files -> volumes.existing(files.keySet()).chain(rows -> blocking(() -> {
            files.forEach((id, file) -> {
                try {
                    if (!rows.contains(id) && Files.exists(file)) {
                        LOG.infof("Reconciliation: moved %s to %s: no volume has it (delete it once it is known to be unneeded)",
                                file, store.setAside(file));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return null;
        }))).replaceWithVoid();
    }

    private <T> Uni<T> blocking(Supplier<T> work) {
        return vertx.executeBlocking(Uni.createFrom().item(work));
    }

    private static <T, R> Uni<Void> each(Collection<T> items, Function<T, Uni<R>> step) {
        return Multi.createFrom().iterable(items).onItem().<R>transformToUniAndConcatenate(step::apply).collect().last().replaceWithVoid();
    }
}
