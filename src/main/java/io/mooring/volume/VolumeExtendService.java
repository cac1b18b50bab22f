package io.mooring.volume;

import io.mooring.auth.Scope;
import io.mooring.domain.DomainError;
import io.mooring.domain.DomainError.ExtendNotLarger;
import io.mooring.domain.DomainError.RawDeviceTooSmall;
import io.mooring.domain.DomainError.VolumeNotExtendable;
import io.mooring.domain.DomainError.VolumeNotFound;
import io.mooring.export.ExportException;
import io.mooring.export.VolumeExporter;
import io.mooring.fault.FaultPoints;
import io.mooring.space.SpaceAdmission;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Live extend (Cinder's os-extend). Crash order: under the volume's row lock the intent is committed first (status
 * {@code extending}, the size asked for, the status to return to; a file-backed volume's growth admitted like a
 * create), then, under the row lock again, the file is grown and forced with its directory (a raw device is only
 * checked: it brings its own room) ({@code volume.extend.grown}), the target re-reads the size and tells its
 * initiators ({@code volume.extend.target-told}), and size and status are committed together. A crash at any step
 * leaves an {@code extending} volume that {@link #finishExtending} completes: growing is idempotent and never shrinks.
 */
@ApplicationScoped
public class VolumeExtendService {

    private static final Logger LOG = Logger.getLogger(VolumeExtendService.class);

    @Inject
    BackingStore store;

    @Inject
    Vertx vertx;

    @Inject
    BusyVolumes busy;

    @Inject
    FaultPoints faults;

    @Inject
    SpaceAdmission space;

    @Inject
    VolumeExporter exporter;

    /** How an extend that was marked ended. */
    public enum Outcome {
        /** Grown: the new size is committed and the volume is back in its status. */
        EXTENDED,
        /** The raw device cannot hold the new size: back in its status, size unchanged. */
        ROLLED_BACK,
        /** The backing store could not grow: {@code error_extending}, as Cinder leaves a failed driver extend. */
        FAILED
    }

    /** The end of an extend: the outcome, the volume's status and size after it, and why it was rolled back. */
    public record Finished(Outcome outcome, String status, int sizeGib, DomainError refusal) {
    }

    /**
     * Extends a volume the scope may see to {@code newGib}. An {@code available} volume, or with {@code inUseAllowed}
     * (microversion 3.42) an {@code in-use} one. Fails with {@link ExtendNotLarger}, {@link VolumeNotExtendable},
     * {@code InsufficientCapacity} (nothing changed) or {@link RawDeviceTooSmall} (rolled back); an extend that failed
     * on the backing store ends {@code error_extending} and completes, as Cinder's accepted request does.
     */
    public Uni<Volume> extend(Scope scope, UUID id, int newGib, boolean inUseAllowed) {
        return busy.working(marker -> {
            marker.mark(id);
            return Panache.withTransaction(() -> locked(scope, id).chain(volume -> mark(volume, newGib, inUseAllowed)))
                    .call(() -> faults.reach(FaultPoints.VOLUME_EXTEND_MARKED))
                    .chain(() -> complete(id, true))
                    .chain(finished -> finished != null && finished.refusal() != null
                            ? Uni.createFrom().<Volume>failure(finished.refusal())
                            : Panache.withSession(() -> Volume.<Volume>findById(id)));
        });
    }

    private Uni<Volume> locked(Scope scope, UUID id) {
        var query = scope.admin() ? Volume.<Volume>find("id", id) : Volume.<Volume>find("id = ?1 and projectId = ?2", id, scope.projectId());
        return query.withLock(LockModeType.PESSIMISTIC_WRITE).firstResult().onItem().ifNull().failWith(() -> new VolumeNotFound(id));
    }

    /** Cinder's order: the size, then the status, then room for the growth. */
    private Uni<Void> mark(Volume volume, int newGib, boolean inUseAllowed) {
        if (newGib <= volume.size) {
            return Uni.createFrom().failure(new ExtendNotLarger(volume.size, newGib));
        }
        String expected = inUseAllowed && VolumeStatus.IN_USE.equals(volume.status) ? VolumeStatus.IN_USE : VolumeStatus.AVAILABLE;
        if (!expected.equals(volume.status)) {
            return Uni.createFrom().failure(new VolumeNotExtendable(volume.id, expected, volume.status));
        }
        Uni<Void> admitted = volume.rawDevice ? Uni.createFrom().voidItem() : space.admit(newGib - volume.size);
        return admitted.invoke(() -> {
            volume.previousStatus = volume.status;
            volume.status = VolumeStatus.EXTENDING;
            volume.extendingTo = newGib;
            volume.updatedAt = VolumeService.now();
        });
    }

    /**
     * Finishes an extend no request is working on any more (reconciliation): the same steps as the request's, which
     * are idempotent. The outcome, or null when there was nothing to finish.
     */
    public Uni<Finished> finishExtending(UUID id) {
        return busy.busy(id) ? Uni.createFrom().nullItem() : complete(id, false);
    }

    /** The steps after the intent; only a request pauses at their fault points (a restart's reconciliation passes them). */
    private Uni<Finished> complete(UUID id, boolean byRequest) {
        return Panache.withTransaction(() -> Volume.<Volume>findById(id, LockModeType.PESSIMISTIC_WRITE).chain(volume -> {
            if (volume == null || !VolumeStatus.EXTENDING.equals(volume.status) || volume.extendingTo == null) {
                return Uni.createFrom().<Finished>nullItem();
            }
            return vertx.executeBlocking(Uni.createFrom().item(() -> grow(volume)))
                    .call(() -> step(FaultPoints.VOLUME_EXTEND_GROWN, byRequest))
                    .call(finished -> finished.outcome() == Outcome.EXTENDED
                            ? vertx.executeBlocking(Uni.createFrom().item(() -> tellTarget(volume)))
                                    .call(() -> step(FaultPoints.VOLUME_EXTEND_TARGET_TOLD, byRequest))
                            : Uni.createFrom().voidItem())
                    .invoke(finished -> {
                        volume.size = finished.sizeGib();
                        volume.status = finished.status();
                        volume.previousStatus = null;
                        volume.extendingTo = null;
                        volume.updatedAt = VolumeService.now();
                    });
        }));
    }

    private Uni<Void> step(String faultPoint, boolean byRequest) {
        return byRequest ? faults.reach(faultPoint) : Uni.createFrom().voidItem();
    }

    /** Blocking: grows the file (or checks the raw device) to the size the intent names. */
    private Finished grow(Volume volume) {
        int newGib = volume.extendingTo;
        try {
            if (volume.rawDevice) {
                long deviceGib = store.rawDeviceBytes(Path.of(volume.backingPath)) / BackingStore.GIB;
                if (deviceGib < newGib) {
                    return new Finished(Outcome.ROLLED_BACK, volume.previousStatus, volume.size,
                            new RawDeviceTooSmall(newGib - volume.size, Math.max(0, deviceGib - volume.size)));
                }
            } else {
                store.growFile(Path.of(volume.backingPath), newGib);
            }
            return new Finished(Outcome.EXTENDED, volume.previousStatus, newGib, null);
        } catch (IOException | RuntimeException e) {
            LOG.errorf("Volume %s: cannot extend %s to %d GiB: %s", volume.id, volume.backingPath, newGib, e.toString());
            return new Finished(Outcome.FAILED, VolumeStatus.ERROR_EXTENDING, volume.size, null);
        }
    }

    /** The file grew whatever the target says: an initiator that missed the news sees the size at its next login. */
    private Void tellTarget(Volume volume) {
        try {
            exporter.capacityChanged(volume.id.toString());
        } catch (ExportException e) {
            LOG.errorf("Volume %s: extended, but the target could not report the new capacity: %s", volume.id, e.getMessage());
        }
        return null;
    }
}
