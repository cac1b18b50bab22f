package io.mooring.volume;

import io.mooring.auth.Scope;
import io.mooring.domain.DomainError.MarkerNotFound;
import io.mooring.domain.DomainError.NoFreeRawDevice;
import io.mooring.domain.DomainError.VolumeNotDeletable;
import io.mooring.domain.DomainError.VolumeNotFound;
import io.mooring.domain.DomainError.VolumeTypeNotFound;
import io.mooring.domain.Uuids;
import io.mooring.fault.FaultPoints;
import io.mooring.space.SpaceAdmission;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Volumes: create (row in {@code creating}, backing store off the event loop, then {@code available}), lookup scoped
 * by project, list, delete (compare-and-swap to {@code deleting} first, so no reserve can slip in), reset-status, and
 * the steps reconciliation uses to finish a create or delete that a crash or a failed later step cut short.
 */
@ApplicationScoped
public class VolumeService {

    private static final Logger LOG = Logger.getLogger(VolumeService.class);

    /** Attachments in these states pin a volume (it cannot be deleted). */
    public static final Set<String> LIVE_ATTACHMENT_STATES = Set.of("reserved", "attaching", "attached", "detaching");

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

    public static LocalDateTime now() {
        return LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * Crash order: the row is committed in {@code creating} first, then the file is created and forced with its
     * directory entry, then the row turns {@code available}. A create cut short at any step leaves a {@code creating}
     * row that {@link #finishCreating} completes (the file never exists without its row).
     */
    public Uni<Volume> create(Scope scope, NewVolume request) {
        UUID id = UUID.randomUUID();
        return busy.working(marker -> {
            marker.mark(id);
            return Panache.withSession(() -> findType(request.volumeType()))
                    .chain(type -> type.rawDevice() ? insertOnRawDevice(scope, request, type, id) : insertOnFile(scope, request, type, id))
                    .call(() -> faults.reach(FaultPoints.VOLUME_CREATE_ROW_COMMITTED))
                    .chain(volume -> vertx.executeBlocking(Uni.createFrom().item(() -> allocate(volume)))
                            .call(() -> faults.reach(FaultPoints.VOLUME_CREATE_FILE_WRITTEN))
                            .chain(allocated -> Panache.withTransaction(() -> Volume.update(
                                    "status = ?1, updatedAt = ?2 where id = ?3 and status = ?4",
                                    allocated ? VolumeStatus.AVAILABLE : VolumeStatus.ERROR, now(), volume.id, VolumeStatus.CREATING)))
                            .chain(() -> Panache.withSession(() -> Volume.<Volume>findById(volume.id))));
        });
    }

    /** Idempotent: creating the file again keeps what exists, claiming a raw device again wipes it again. */
    private boolean allocate(Volume volume) {
        try {
            if (volume.rawDevice) {
                store.claimRawDevice(Path.of(volume.backingPath), volume.size);
            } else {
                store.createSparseFile(Path.of(volume.backingPath), volume.size);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.errorf("Volume %s: cannot allocate %s: %s", volume.id, volume.backingPath, e.toString());
            return false;
        }
    }

    private Uni<VolumeType> findType(String nameOrId) {
        if (nameOrId == null) {
            return VolumeType.<VolumeType>find("name", VolumeType.DEFAULT_NAME).singleResult();
        }
        try {
            UUID id = UUID.fromString(nameOrId);
            return VolumeType.<VolumeType>findById(id).onItem().ifNull()
                    .failWith(() -> new VolumeTypeNotFound(nameOrId, false));
        } catch (IllegalArgumentException notAnId) {
            return VolumeType.<VolumeType>find("name", nameOrId).firstResult().onItem().ifNull()
                    .failWith(() -> new VolumeTypeNotFound(nameOrId, true));
        }
    }

    private Volume newVolume(Scope scope, NewVolume request, VolumeType type, UUID id) {
        Volume volume = new Volume();
        volume.id = id;
        volume.projectId = scope.projectId();
        volume.name = request.name();
        volume.description = request.description();
        volume.size = request.sizeGib();
        volume.status = VolumeStatus.CREATING;
        volume.attachStatus = VolumeStatus.DETACHED;
        volume.volumeType = type;
        volume.multiattach = type.multiattach();
        volume.metadata = request.metadata() == null ? new LinkedHashMap<>() : request.metadata();
        volume.userId = request.userId();
        volume.createdAt = now();
        return volume;
    }

    private Uni<Volume> insertOnFile(Scope scope, NewVolume request, VolumeType type, UUID id) {
        Volume volume = newVolume(scope, request, type, id);
        volume.backingPath = store.fileFor(volume.id).toString();
        return Panache.withTransaction(() -> space.admit(request.sizeGib()).chain(volume::persist)).replaceWith(volume);
    }

    /** The unique backing_path makes taking a device race-free: a loser of the race retries with the next free one. */
    private Uni<Volume> insertOnRawDevice(Scope scope, NewVolume request, VolumeType type, UUID id) {
        return Panache.withSession(() -> Volume.<Volume>find("rawDevice", true).list())
                .chain(taken -> {
                    Set<String> used = new HashSet<>();
                    taken.forEach(v -> used.add(v.backingPath));
                    String free = store.rawDevices().stream().map(p -> p.toAbsolutePath().toString())
                            .filter(p -> !used.contains(p)).findFirst().orElse(null);
                    if (free == null) {
                        return Uni.createFrom().failure(new NoFreeRawDevice(type.name));
                    }
                    Volume volume = newVolume(scope, request, type, id);
                    volume.backingPath = free;
                    volume.rawDevice = true;
                    return Panache.withTransaction(volume::persist).replaceWith(volume)
                            .onFailure(e -> Constraints.violated(e, "volumes_backing_path_key"))
                            .recoverWithUni(() -> insertOnRawDevice(scope, request, type, id));
                });
    }

    /** The volume if the scope may see it; 404 otherwise (another project's volume does not exist for a member). */
    public Uni<Volume> get(Scope scope, UUID id) {
        return Panache.withSession(() -> find(scope, id));
    }

    /** Inside a session or transaction. */
    public Uni<Volume> find(Scope scope, UUID id) {
        Uni<Volume> found = scope.admin()
                ? Volume.findById(id)
                : Volume.<Volume>find("id = ?1 and projectId = ?2", id, scope.projectId()).firstResult();
        return found.onItem().ifNull().failWith(() -> new VolumeNotFound(id));
    }

    public Uni<List<Volume>> list(Scope scope, ListQuery query) {
        StringBuilder where = new StringBuilder();
        Parameters params = filtered(scope, query, where);
        return Panache.withSession(() -> {
            Uni<Volume> marker = query.marker() == null ? Uni.createFrom().nullItem() : markerVolume(scope, query.marker());
            return marker.chain(m -> {
                if (query.matchesNothing() || Integer.valueOf(0).equals(query.limit())) {
                    return Uni.createFrom().item(List.<Volume>of());
                }
                if (m != null) {
                    where.append(" and ").append(query.afterMarker("v"));
                    List<Object> values = sortValues(m, query);
                    for (int i = 0; i < values.size(); i++) {
                        params.and("m" + i, values.get(i));
                    }
                }
                var found = Volume.<Volume>find("from Volume v where " + where + " order by " + query.orderBy("v"), params);
                return found.range(query.offset(), query.limit() == null ? Integer.MAX_VALUE - 1 : query.offset() + query.limit() - 1).list();
            });
        });
    }

    /** How many volumes match the query's filters, paging aside (3.45 {@code with_count}). */
    public Uni<Long> count(Scope scope, ListQuery query) {
        if (query.matchesNothing()) {
            return Uni.createFrom().item(0L);
        }
        StringBuilder where = new StringBuilder();
        Parameters params = filtered(scope, query, where);
        return Panache.withSession(() -> Volume.count("from Volume v where " + where, params));
    }

    /** The project scope and the filters as an HQL condition on {@code v}. */
    private static Parameters filtered(Scope scope, ListQuery query, StringBuilder where) {
        where.append("1 = 1");
        Parameters params = new Parameters();
        if (!(scope.admin() && query.allTenants())) {
            where.append(" and v.projectId = :project");
            params.and("project", scope.projectId());
        }
        int i = 0;
        for (Map.Entry<String, Object> filter : query.filters().entrySet()) {
            String param = "f" + i++;
            switch (filter.getValue()) {
                case ListQuery.Like like -> {
                    where.append(" and v.").append(like.attribute()).append(" like :").append(param);
                    params.and(param, "%" + like.value() + "%");
                }
                // metadata is a JSON object in a text column: PostgreSQL's jsonb containment matches every pair at once
                case ListQuery.MetadataContains metadata -> {
                    where.append(" and function('jsonb_contains', function('jsonb', v.metadata), function('jsonb', cast(:")
                            .append(param).append(" as String))) = true");
                    params.and(param, JsonMapConverter.toJson(metadata.pairs()));
                }
                case Object value -> {
                    where.append(" and v.").append(filter.getKey()).append(" = :").append(param);
                    params.and(param, value);
                }
            }
        }
        return params;
    }

    private Uni<Volume> markerVolume(Scope scope, String marker) {
        String id = Uuids.canonical(marker);
        return id == null ? Uni.createFrom().failure(new MarkerNotFound(marker))
                : find(scope, UUID.fromString(id)).onFailure(VolumeNotFound.class)
                        .transform(e -> new MarkerNotFound(marker));
    }

    private static List<Object> sortValues(Volume v, ListQuery query) {
        List<Object> values = new ArrayList<>();
        for (ListQuery.Sort s : query.order()) {
            values.add(switch (s.attribute()) {
                case "id" -> v.id;
                case "createdAt" -> v.createdAt;
                case "size" -> v.size;
                case "status" -> v.status;
                case "name" -> ListQuery.markerValue("name", v.name);
                case "description" -> ListQuery.markerValue("description", v.description);
                case "projectId" -> v.projectId;
                default -> throw new IllegalArgumentException("unsortable " + s.attribute());
            });
        }
        return values;
    }

    /** Volume attributes the list API may sort by, under Cinder's names (name is Cinder's alias of display_name). */
    public static final Map<String, String> SORT_KEYS = Map.of("id", "id", "created_at", "createdAt", "size", "size", "status", "status",
            "name", "name", "display_name", "name", "display_description", "description", "project_id", "projectId");

    /**
     * Delete: the compare-and-swap to {@code deleting} both checks the status and shuts out concurrent reserves;
     * a volume with any live attachment is refused. Crash order: {@code deleting} is committed, then the file is
     * removed (and its directory forced), then the row is deleted; {@link #finishDeleting} completes a delete cut
     * short at any step.
     */
    public Uni<Void> delete(Scope scope, UUID id) {
        return busy.working(marker -> {
            marker.mark(id);
            return Panache.withTransaction(() -> Volume.update(
                            "update Volume v set v.status = :deleting, v.updatedAt = :now where v.id = :id"
                                    + (scope.admin() ? "" : " and v.projectId = :project")
                                    + " and v.status in :deletable and not exists (select 1 from io.mooring.attachment.VolumeAttachment a"
                                    + " where a.volumeId = v.id and a.deleted = false and a.attachStatus in :live)",
                            scopeParams(scope, Parameters.with("deleting", VolumeStatus.DELETING).and("now", now()).and("id", id)
                                    .and("deletable", VolumeStatus.DELETABLE).and("live", LIVE_ATTACHMENT_STATES)))
                    .chain(updated -> updated == 1 ? Uni.createFrom().voidItem()
                            : find(scope, id).chain(v -> Uni.createFrom().failure(new VolumeNotDeletable(id)))))
                    .call(() -> faults.reach(FaultPoints.VOLUME_DELETE_MARKED))
                    .chain(() -> Panache.withSession(() -> Volume.<Volume>findById(id)))
                    .chain(volume -> vertx.executeBlocking(Uni.createFrom().item(() -> release(volume)))
                            .call(() -> faults.reach(FaultPoints.VOLUME_DELETE_FILE_REMOVED))
                            .chain(released -> Panache.withTransaction(() -> released
                                    ? Volume.delete("id", id).replaceWithVoid()
                                    : Volume.update("status = ?1 where id = ?2", VolumeStatus.ERROR_DELETING, id).replaceWithVoid())));
        });
    }

    // ---- reconciliation: finishing what a crash or a failed later step left behind ---------------------------

    /** The volumes in {@code status}, for reconciliation's work list. */
    public Uni<List<UUID>> idsIn(String status) {
        return Panache.withSession(() -> Volume.<Volume>list("status", status)).map(found -> found.stream().map(v -> v.id).toList());
    }

    /** Which of {@code ids} have a row. */
    public Uni<Set<UUID>> existing(Collection<UUID> ids) {
        return ids.isEmpty() ? Uni.createFrom().item(Set.of())
                : Panache.withSession(() -> Volume.<Volume>list("id in ?1", ids)).map(found -> found.stream().map(v -> v.id).collect(Collectors.toSet()));
    }

    /**
     * Finishes a create no request is working on any more: allocates the backing store again (idempotent), then
     * {@code available}, or {@code error} if it cannot. Under the volume's row lock. The new status, or null when there
     * was nothing to finish.
     */
    public Uni<String> finishCreating(UUID id) {
        return Panache.withTransaction(() -> Volume.<Volume>findById(id, LockModeType.PESSIMISTIC_WRITE).chain(volume -> {
            if (volume == null || !VolumeStatus.CREATING.equals(volume.status) || busy.busy(id)) {
                return Uni.createFrom().<String>nullItem();
            }
            return vertx.executeBlocking(Uni.createFrom().item(() -> allocate(volume))).map(allocated -> {
                volume.status = allocated ? VolumeStatus.AVAILABLE : VolumeStatus.ERROR;
                volume.updatedAt = now();
                return volume.status;
            });
        }));
    }

    /**
     * Finishes a delete no request is working on any more: removes the file (idempotent), then the row, or
     * {@code error_deleting} if the file cannot go. The outcome ("deleted", "error_deleting"), or null when there was
     * nothing to finish.
     */
    public Uni<String> finishDeleting(UUID id) {
        return Panache.withTransaction(() -> Volume.<Volume>findById(id, LockModeType.PESSIMISTIC_WRITE).chain(volume -> {
            if (volume == null || !VolumeStatus.DELETING.equals(volume.status) || busy.busy(id)) {
                return Uni.createFrom().<String>nullItem();
            }
            return vertx.executeBlocking(Uni.createFrom().item(() -> release(volume))).chain(released -> {
                if (released) {
                    return volume.delete().replaceWith("deleted");
                }
                volume.status = VolumeStatus.ERROR_DELETING;
                volume.updatedAt = now();
                return Uni.createFrom().item(VolumeStatus.ERROR_DELETING);
            });
        }));
    }

    private boolean release(Volume volume) {
        try {
            store.release(volume);
            return true;
        } catch (IOException e) {
            LOG.errorf("Volume %s: cannot release %s: %s", volume.id, volume.backingPath, e.toString());
            return false;
        }
    }

    private static Parameters scopeParams(Scope scope, Parameters params) {
        return scope.admin() ? params : params.and("project", scope.projectId());
    }

    /** Admin only (os-reset_status): sets the status as given, no questions asked, as Cinder does. */
    public Uni<Void> resetStatus(Scope scope, UUID id, String status, String attachStatus) {
        return Panache.withTransaction(() -> find(scope, id).invoke(volume -> {
            if (status != null) {
                volume.status = status;
            }
            if (attachStatus != null) {
                volume.attachStatus = attachStatus;
            }
            volume.updatedAt = now();
        })).replaceWithVoid();
    }

    public Uni<List<VolumeType>> types() {
        return Panache.withSession(() -> VolumeType.<VolumeType>listAll());
    }

    public Uni<VolumeType> type(String nameOrId) {
        return Panache.withSession(() -> findType(nameOrId));
    }
}
