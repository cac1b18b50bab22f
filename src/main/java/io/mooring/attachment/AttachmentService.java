package io.mooring.attachment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mooring.auth.Scope;
import io.mooring.domain.DomainError.AttachStep;
import io.mooring.domain.DomainError.AttachmentBeingDeleted;
import io.mooring.domain.DomainError.AttachmentNotConnected;
import io.mooring.domain.DomainError.AttachmentNotFound;
import io.mooring.domain.DomainError.DuplicateConnector;
import io.mooring.domain.DomainError.InvalidConnector;
import io.mooring.domain.DomainError.VolumeInErrorState;
import io.mooring.domain.DomainError.VolumeNotFound;
import io.mooring.domain.DomainError.VolumeNotReservable;
import io.mooring.domain.Uuids;
import io.mooring.export.ExportException;
import io.mooring.export.ExportGrant;
import io.mooring.export.VolumeExporter;
import io.mooring.fault.FaultPoints;
import io.mooring.volume.BusyVolumes;
import io.mooring.volume.Constraints;
import io.mooring.volume.ListQuery;
import io.mooring.volume.Volume;
import io.mooring.volume.VolumeService;
import io.mooring.volume.VolumeStatus;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The attach/detach workflow V2: reserve, connect (export + CHAP), complete, delete.
 *
 * <p>Concurrency: the volume row is the lock, as in Cinder. Reserve is a compare-and-swap UPDATE on the volume's
 * status; every other change to a volume's attachments first takes that row with SELECT ... FOR UPDATE, then
 * re-reads the attachment, so the checks (duplicate connector, status) and the writes cannot interleave. The partial
 * unique index {@code volume_attachment_one_connected} backs the non-multiattach rule even if this code were wrong.
 *
 * <p>Crash order (the database is the truth, the target's grants are derived from it): a connect exports under the
 * lock before its transaction commits, and revokes again if the commit fails, so a crash before the commit leaves
 * neither; a delete commits {@code detaching} first, then revokes, then soft-deletes in a second transaction, so a crash
 * between leaves a {@code detaching} attachment, which is never exported and which a retried DELETE or reconciliation
 * finishes. Reconciliation also re-exports or revokes whatever a commit whose outcome was lost left different.
 */
@ApplicationScoped
public class AttachmentService {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The order Cinder derives a volume's state from its attachments in (_get_statuses_from_attachments). */
    private static final List<String> STRENGTH = List.of(AttachStatus.ATTACHED, AttachStatus.ATTACHING, AttachStatus.DETACHING, AttachStatus.RESERVED);

    @Inject
    Instance<VolumeExporter> exporters;

    @Inject
    ChapSecrets chap;

    @Inject
    VolumeService volumes;

    @Inject
    Vertx vertx;

    @Inject
    BusyVolumes busy;

    @Inject
    FaultPoints faults;

    @Inject
    AttachmentFastPath fast;

    // ---- create / update / complete / delete -------------------------------------------------------------------

    /** Reserve (no connector) or reserve and connect in one transaction: a failed connect leaves no reservation. */
    public Uni<VolumeAttachment> create(Scope scope, UUID volumeId, String instanceUuid, ObjectNode connector, String mode) {
        if (connector == null || connector.isEmpty()) {
            return fast.reserve(scope, volumeId, instanceUuid, mode)
                    .chain(reserved -> reserved != null ? Uni.createFrom().item(reserved) : reserveByEntity(scope, volumeId, instanceUuid, mode));
        }
        requireInitiator(connector);
        AtomicReference<ExportGrant> exported = new AtomicReference<>();
        return busy.working(marker -> {
            marker.mark(volumeId);
            String secret = chap.newSecret();
            AttachmentFastPath.NewConnection connection = newConnection(volumeId, instanceUuid, connector, mode, secret);
            return fast.connect(scope, volumeId, connection, connected -> exportNew(connected, connection, secret, exported))
                    .onFailure(e -> Constraints.violated(e, "volume_attachment_one_connected"))
                    .transform(e -> new DuplicateConnector(volumeId))
                    .chain(connected -> connected != null ? Uni.createFrom().item(connected)
                            : Panache.withTransaction(() -> reserve(scope, volumeId, instanceUuid, mode)
                                    .chain(attachment -> lockVolume(attachment.volumeId)
                                            .chain(volume -> connectLocked(attachment, volume, connector, exported)))))
                    .onFailure().call(() -> revokeIfExported(exported));
        });
    }

    /** What the fast path writes for a new connected attachment: what {@link #writeConnection} would decide. */
    private AttachmentFastPath.NewConnection newConnection(UUID volumeId, String instanceUuid, ObjectNode connector, String mode,
                                                           String secret) {
        VolumeExporter exporter = exporter();
        UUID id = UUID.randomUUID();
        return new AttachmentFastPath.NewConnection(id, instanceUuid, requestedMode(mode, connector), text(connector, "host"),
                mountpoint(connector), truthy(connector.get("multipath")),
                chap.userFor(id), chap.encrypt(id, secret), exporter.targetIqn(volumeId.toString()), exporter.portal(),
                encode(connector));
    }

    /** The fast connect's export, under the volume's row lock and before its commit, as {@link #connectLocked}'s. */
    private Uni<Void> exportNew(AttachmentFastPath.Connected connected, AttachmentFastPath.NewConnection connection, String secret,
                                AtomicReference<ExportGrant> exported) {
        VolumeAttachment attachment = connected.attachment();
        ExportGrant grant = new ExportGrant(attachment.volumeId.toString(), connected.backingPath(), connected.rawDevice(),
                decode(connection.specs().get("initiator")), attachment.chapUser, secret, "ro".equals(attachment.attachMode));
        return exportGrant(grant, exported).call(() -> faults.reach(FaultPoints.ATTACHMENT_CONNECT_EXPORTED));
    }

    /** The entity path of a reserve without connector, for when the fast path's compare-and-swap lost. */
    private Uni<VolumeAttachment> reserveByEntity(Scope scope, UUID volumeId, String instanceUuid, String mode) {
        return busy.working(marker -> {
            marker.mark(volumeId);
            return Panache.withTransaction(() -> reserve(scope, volumeId, instanceUuid, mode));
        });
    }

    private Uni<VolumeAttachment> reserve(Scope scope, UUID volumeId, String instanceUuid, String mode) {
        Parameters params = Parameters.with("reserved", VolumeStatus.RESERVED).and("now", VolumeService.now()).and("id", volumeId)
                .and("reservable", Set.of(VolumeStatus.AVAILABLE, "downloading")).and("inUse", VolumeStatus.IN_USE);
        String scoped = scope.admin() ? "" : " and v.projectId = :project";
        if (!scope.admin()) {
            params.and("project", scope.projectId());
        }
        return Volume.update("update Volume v set v.status = :reserved, v.attachStatus = :reserved, v.updatedAt = :now"
                        + " where v.id = :id" + scoped
                        + " and (v.status in :reservable or (v.multiattach = true and v.status = :inUse))", params)
                .chain(updated -> updated == 1
                        ? Volume.<Volume>findById(volumeId).chain(volume -> insert(volume, instanceUuid, mode))
                        : overrideOrRefuse(scope, volumeId, instanceUuid, mode));
    }

    /**
     * The compare-and-swap lost. Either the same instance already holds the volume (live migration, Bug #1694530:
     * Cinder creates another attachment; Mooring returns the instance's unconnected one if it has one, so parallel
     * retries cannot pile up attachments), or the reserve is refused with Cinder's message.
     */
    private Uni<VolumeAttachment> overrideOrRefuse(Scope scope, UUID volumeId, String instanceUuid, String mode) {
        return lockVolume(volumeId).chain(volume -> {
            if (!scope.admin() && !volume.projectId.equals(scope.projectId())) {
                return Uni.createFrom().failure(new VolumeNotFound(volumeId));
            }
            if (volume.status.contains("error")) {
                return Uni.createFrom().failure(new VolumeInErrorState(volumeId, volume.status, AttachStep.RESERVE));
            }
            Uni<List<VolumeAttachment>> sameInstance = instanceUuid == null || !Set.of(VolumeStatus.IN_USE, VolumeStatus.RESERVED).contains(volume.status)
                    ? Uni.createFrom().item(List.of())
                    : VolumeAttachment.<VolumeAttachment>find("volumeId = ?1 and instanceUuid = ?2 and deleted = false and attachStatus not like 'error%'",
                            volumeId, instanceUuid).list();
            return sameInstance.chain(held -> {
                if (held.isEmpty()) {
                    return Uni.createFrom().failure(new VolumeNotReservable(volumeId, volume.status, volume.multiattach));
                }
                return held.stream().filter(a -> AttachStatus.RESERVED.equals(a.attachStatus)).findFirst()
                        .map(existing -> Uni.createFrom().item(existing))
                        .orElseGet(() -> insert(volume, instanceUuid, mode));
            });
        });
    }

    private Uni<VolumeAttachment> insert(Volume volume, String instanceUuid, String mode) {
        VolumeAttachment attachment = new VolumeAttachment();
        attachment.id = UUID.randomUUID();
        attachment.volumeId = volume.id;
        attachment.projectId = volume.projectId;
        attachment.instanceUuid = instanceUuid;
        attachment.attachStatus = AttachStatus.RESERVED;
        attachment.attachMode = mode;
        attachment.multiattach = volume.multiattach;
        attachment.createdAt = VolumeService.now();
        return attachment.<VolumeAttachment>persist();
    }

    /** Connect a reserved (or re-connect a connected) attachment: 200 with the fresh row, not Cinder's stale one. */
    public Uni<VolumeAttachment> update(Scope scope, UUID attachmentId, ObjectNode connector) {
        requireInitiator(connector);
        AtomicReference<ExportGrant> exported = new AtomicReference<>();
        return busy.working(marker -> Panache.withTransaction(() -> lockedAttachment(scope, attachmentId)
                        .chain(locked -> {
                            marker.mark(locked.volume().id);
                            return connectLocked(locked.attachment(), locked.volume(), connector, exported);
                        }))
                .onFailure().call(() -> revokeIfExported(exported))
                .onFailure(ExportException.class).call(() -> Panache.withTransaction(() -> VolumeAttachment.update(
                        "attachStatus = ?1, updatedAt = ?2 where id = ?3 and deleted = false and attachStatus = ?4",
                        AttachStatus.ERROR_ATTACHING, VolumeService.now(), attachmentId, AttachStatus.RESERVED))));
    }

    private Uni<VolumeAttachment> connectLocked(VolumeAttachment attachment, Volume volume, ObjectNode connector,
                                                AtomicReference<ExportGrant> exported) {
        if (AttachStatus.DETACHING.equals(attachment.attachStatus)) {
            return Uni.createFrom().failure(new AttachmentBeingDeleted(attachment.id));
        }
        if (volume.status.contains("error")) {
            return Uni.createFrom().failure(new VolumeInErrorState(volume.id, volume.status, AttachStep.CONNECT));
        }
        return specsOf(attachment.id).chain(previous -> {
            Map<String, String> wanted = encode(connector);
            if (attachment.connected() && wanted.equals(previous)) {
                // Idempotent re-connect: same connector, same credentials, state kept (Cinder would go back to attaching).
                // The grant predates this request, so a rollback must not revoke it: it is not recorded in {@code exported}.
                return export(attachment, volume, new AtomicReference<>()).replaceWith(attachment);
            }
            Uni<List<VolumeAttachment>> others = volume.multiattach ? Uni.createFrom().item(List.of())
                    : VolumeAttachment.<VolumeAttachment>find("volumeId = ?1 and id <> ?2 and deleted = false and attachStatus in ?3",
                            volume.id, attachment.id, Set.of(AttachStatus.ATTACHING, AttachStatus.ATTACHED)).list();
            return others.chain(connected -> {
                if (!connected.isEmpty()) {
                    return Uni.createFrom().failure(new DuplicateConnector(volume.id));
                }
                String oldInitiator = previous.get("initiator");
                Uni<Void> revokeOld = attachment.connected() && !Objects.equals(oldInitiator, wanted.get("initiator"))
                        ? blocking(() -> exporter().revoke(volume.id.toString(), attachment.chapUser))
                        : Uni.createFrom().voidItem();
                return revokeOld.chain(() -> writeConnection(attachment, volume, connector, wanted))
                        .chain(() -> Panache.flush())
                        .onFailure(e -> Constraints.violated(e, "volume_attachment_one_connected"))
                        .transform(e -> new DuplicateConnector(volume.id))
                        .chain(() -> export(attachment, volume, exported))
                        .call(() -> faults.reach(FaultPoints.ATTACHMENT_CONNECT_EXPORTED))
                        .replaceWith(attachment);
            });
        });
    }

    private Uni<Void> writeConnection(VolumeAttachment attachment, Volume volume, ObjectNode connector, Map<String, String> specs) {
        VolumeExporter exporter = exporter();
        if (attachment.chapUser == null) {
            attachment.chapUser = chap.userFor(attachment.id);
            attachment.chapSecret = chap.encrypt(attachment.id, chap.newSecret());
        }
        // A read-only volume (os-update_readonly_flag) is connected ro whatever was asked, as Cinder's access_mode is.
        attachment.attachMode = volume.readonly() ? "ro" : requestedMode(attachment.attachMode, connector);
        attachment.attachStatus = AttachStatus.ATTACHING;
        attachment.attachTime = VolumeService.now();
        attachment.attachedHost = text(connector, "host");
        attachment.mountpoint = mountpoint(connector);
        attachment.multipath = truthy(connector.get("multipath"));
        attachment.targetIqn = exporter.targetIqn(volume.id.toString());
        attachment.targetPortal = exporter.portal();
        attachment.updatedAt = attachment.attachTime;
        volume.derivedStatus(VolumeStatus.ATTACHING);
        volume.attachStatus = VolumeStatus.ATTACHING;
        volume.updatedAt = attachment.attachTime;
        List<AttachmentSpec> rows = new ArrayList<>();
        specs.forEach((key, value) -> {
            AttachmentSpec spec = new AttachmentSpec();
            spec.attachmentId = attachment.id;
            spec.key = key;
            spec.value = value;
            rows.add(spec);
        });
        return AttachmentSpec.delete("attachmentId", attachment.id)
                .chain(() -> AttachmentSpec.persist(rows));
    }

    private Uni<Void> export(VolumeAttachment attachment, Volume volume, AtomicReference<ExportGrant> exported) {
        return specsOf(attachment.id).chain(specs -> exportGrant(grant(attachment, volume, specs), exported));
    }

    private Uni<Void> exportGrant(ExportGrant grant, AtomicReference<ExportGrant> exported) {
        return blocking(() -> {
            exporter().export(grant);
            exported.set(grant);
        });
    }

    private Uni<Void> revokeIfExported(AtomicReference<ExportGrant> exported) {
        ExportGrant grant = exported.get();
        return grant == null ? Uni.createFrom().voidItem() : blocking(() -> exporter().revoke(grant.volumeId(), grant.chapUser()));
    }

    /** 3.44 os-complete: attaching → attached, volume in-use. A never-connected attachment has nothing to complete: 409. */
    public Uni<Void> complete(Scope scope, UUID attachmentId) {
        return Panache.withTransaction(() -> lockedAttachment(scope, attachmentId).chain(locked -> {
            VolumeAttachment attachment = locked.attachment();
            if (!attachment.connected()) {
                return Uni.createFrom().failure(new AttachmentNotConnected(attachmentId, attachment.attachStatus));
            }
            attachment.attachStatus = AttachStatus.ATTACHED;
            attachment.updatedAt = VolumeService.now();
            return recomputeVolume(locked.volume(), attachment.id, AttachStatus.ATTACHED);
        }));
    }

    /**
     * Revokes the attachment's CHAP account and drops its sessions before the attachment is deleted (CVE-2023-2088: the
     * target must not keep a host connected once the record says detached), then soft-deletes it and derives the
     * volume's state from what remains. An attachment that was ever connected is first committed as {@code detaching}
     * (never exported again, see the class comment); one that never was is deleted in one transaction. Deleting a
     * {@code detaching} attachment again finishes it. Returns the volume's remaining attachments.
     */
    public Uni<List<VolumeAttachment>> delete(Scope scope, UUID attachmentId) {
        return busy.working(marker -> {
            // finishDetaching leaves a detaching attachment alone while its own delete is between its two steps
            marker.mark(attachmentId);
            return fast.delete(scope, attachmentId, false).chain(first -> {
                if (first == null) {
                    return deleteByEntity(scope, attachmentId);
                }
                if (first.revokeUser() == null) {
                    return Uni.createFrom().item(first.remaining());
                }
                marker.mark(first.volumeId());
                return faults.reach(FaultPoints.ATTACHMENT_DELETE_MARKED)
                        .chain(() -> blocking(() -> exporter().revoke(first.volumeId().toString(), first.revokeUser())))
                        .chain(() -> faults.reach(FaultPoints.ATTACHMENT_DELETE_REVOKED))
                        .chain(() -> fast.delete(scope, attachmentId, true))
                        .chain(second -> second != null ? Uni.createFrom().item(second.remaining())
                                : finishDeleteByEntity(scope, attachmentId, first.volumeId()));
            });
        });
    }

    /** The entity path of a delete: connected attachments, and whatever the fast path left to it. */
    private Uni<List<VolumeAttachment>> deleteByEntity(Scope scope, UUID attachmentId) {
        return busy.working(marker -> Panache.withTransaction(() -> lockedAttachment(scope, attachmentId).chain(locked -> {
                    marker.mark(locked.volume().id);
                    VolumeAttachment attachment = locked.attachment();
                    if (attachment.chapUser == null) {
                        return softDelete(locked).replaceWith(attachment);
                    }
                    attachment.attachStatus = AttachStatus.DETACHING;
                    attachment.updatedAt = VolumeService.now();
                    // the volume shows the detach in progress (detaching unless a stronger attachment remains)
                    return recomputeVolume(locked.volume(), attachment.id, AttachStatus.DETACHING).replaceWith(attachment);
                }))
                .chain(attachment -> attachment.deleted ? Panache.withSession(() -> live(attachment.volumeId))
                        : faults.reach(FaultPoints.ATTACHMENT_DELETE_MARKED)
                                .chain(() -> blocking(() -> exporter().revoke(attachment.volumeId.toString(), attachment.chapUser)))
                                .chain(() -> faults.reach(FaultPoints.ATTACHMENT_DELETE_REVOKED))
                                .chain(() -> finishDeleteByEntity(scope, attachmentId, attachment.volumeId))));
    }

    /** The second transaction of a connected attachment's delete, once its account is revoked. */
    private Uni<List<VolumeAttachment>> finishDeleteByEntity(Scope scope, UUID attachmentId, UUID volumeId) {
        return Panache.withTransaction(() -> lockedAttachment(scope, attachmentId).chain(this::softDelete))
                .chain(() -> Panache.withSession(() -> live(volumeId)));
    }

    private Uni<Void> softDelete(Locked locked) {
        markDeleted(locked.attachment());
        return recomputeVolume(locked.volume(), null, null);
    }

    private static void markDeleted(VolumeAttachment attachment) {
        attachment.deleted = true;
        attachment.attachStatus = AttachStatus.DETACHED;
        attachment.deletedAt = VolumeService.now();
        attachment.detachTime = attachment.deletedAt;
        attachment.updatedAt = attachment.deletedAt;
    }

    /**
     * Sets the volume's status from its live attachments (strongest of attached > attaching > detaching > reserved,
     * error_* ignored; none → available). {@code changedId}/{@code changedStatus} name a change not yet flushed.
     */
    private Uni<Void> recomputeVolume(Volume volume, UUID changedId, String changedStatus) {
        return Panache.flush().chain(() -> live(volume.id)).invoke(remaining -> {
            String strongest = STRENGTH.stream()
                    .filter(s -> remaining.stream().anyMatch(a -> s.equals(a.id.equals(changedId) ? changedStatus : a.attachStatus)))
                    .findFirst().orElse(null);
            if (Set.of(VolumeStatus.DELETING, "maintenance", "uploading").contains(volume.status)) {
                return;
            }
            volume.attachStatus = strongest == null ? VolumeStatus.DETACHED : strongest;
            volume.derivedStatus(strongest == null ? VolumeStatus.AVAILABLE
                    : AttachStatus.ATTACHED.equals(strongest) ? VolumeStatus.IN_USE : strongest);
            volume.updatedAt = VolumeService.now();
        }).replaceWithVoid();
    }

    private Uni<List<VolumeAttachment>> live(UUID volumeId) {
        return VolumeAttachment.<VolumeAttachment>find("volumeId = ?1 and deleted = false order by createdAt desc, id desc", volumeId).list();
    }

    private record Locked(VolumeAttachment attachment, Volume volume) {
    }

    /**
     * The attachment (404 unless the scope may see it) and its volume, with the volume row locked. The attachment
     * entity is loaded only after the lock, so what the caller checks is what the lock protects.
     */
    private Uni<Locked> lockedAttachment(Scope scope, UUID attachmentId) {
        String scoped = scope.admin() ? "" : " and a.projectId = :project";
        return Panache.getSession().chain(session -> {
            var volumeOf = session.createSelectionQuery("select a.volumeId from VolumeAttachment a where a.id = :id and a.deleted = false" + scoped, UUID.class)
                    .setParameter("id", attachmentId);
            if (!scope.admin()) {
                volumeOf.setParameter("project", scope.projectId());
            }
            return volumeOf.getSingleResultOrNull();
        }).onItem().ifNull().failWith(() -> new AttachmentNotFound(attachmentId))
                .chain(volumeId -> lockVolume(volumeId).chain(volume -> VolumeAttachment.<VolumeAttachment>find("id = ?1 and deleted = false", attachmentId)
                        .firstResult()
                        .onItem().ifNull().failWith(() -> new AttachmentNotFound(attachmentId))
                        .map(attachment -> new Locked(attachment, volume))));
    }

    private static Uni<Volume> lockVolume(UUID volumeId) {
        return Volume.<Volume>findById(volumeId, LockModeType.PESSIMISTIC_WRITE)
                .onItem().ifNull().failWith(() -> new VolumeNotFound(volumeId));
    }

    // ---- reconciliation: finishing what a crash or a failed later step left behind --------------------------------

    /** The volumes that have an attachment in {@code detaching}. */
    public Uni<Set<UUID>> volumesDetaching() {
        return Panache.withSession(() -> VolumeAttachment.<VolumeAttachment>list("deleted = false and attachStatus = ?1", AttachStatus.DETACHING))
                .map(found -> found.stream().map(a -> a.volumeId).collect(Collectors.toSet()));
    }

    /**
     * Finishes the deletes of a volume's {@code detaching} attachments that no request is working on any more: revoke
     * (idempotent), soft-delete, derive the volume's state. Under the volume's row lock. The attachments finished.
     */
    public Uni<List<UUID>> finishDetaching(UUID volumeId) {
        return Panache.withTransaction(() -> Volume.<Volume>findById(volumeId, LockModeType.PESSIMISTIC_WRITE).chain(volume -> {
            if (volume == null || busy.busy(volumeId)) {
                return Uni.createFrom().item(List.<UUID>of());
            }
            return VolumeAttachment.<VolumeAttachment>list("volumeId = ?1 and deleted = false and attachStatus = ?2", volumeId, AttachStatus.DETACHING)
                    .map(detaching -> detaching.stream().filter(a -> !busy.busy(a.id)).toList())
                    .chain(stuck -> stuck.isEmpty() ? Uni.createFrom().item(List.<UUID>of())
                            : blocking(() -> stuck.forEach(a -> exporter().revoke(volumeId.toString(), a.chapUser)))
                                    .chain(() -> {
                                        stuck.forEach(AttachmentService::markDeleted);
                                        return recomputeVolume(volume, null, null);
                                    })
                                    .replaceWith(() -> stuck.stream().map(a -> a.id).toList()));
        }));
    }

    /** The CHAP users the target must serve, by volume id: those of every connected attachment. */
    public Uni<Map<String, Set<String>>> connectedUsers() {
        return Panache.withSession(() -> VolumeAttachment.<VolumeAttachment>list(
                        "deleted = false and chapUser is not null and attachStatus in ?1", Set.of(AttachStatus.ATTACHING, AttachStatus.ATTACHED)))
                .map(found -> found.stream().collect(Collectors.groupingBy(a -> a.volumeId.toString(),
                        Collectors.mapping(a -> a.chapUser, Collectors.toSet()))));
    }

    /**
     * Makes the target serve exactly the volume's connected attachments, under the volume's row lock (so no connect or
     * delete is between its steps): revokes grants no connected attachment holds, re-exports connected ones the target
     * lacks; one that cannot be exported becomes {@code error_attaching}. What it changed, one sentence each.
     */
    public Uni<List<String>> syncExports(UUID volumeId) {
        String id = volumeId.toString();
        return Panache.withTransaction(() -> Volume.<Volume>findById(volumeId, LockModeType.PESSIMISTIC_WRITE).chain(volume -> {
            if (busy.busy(volumeId)) {
                return Uni.createFrom().item(List.<String>of());
            }
            Uni<List<VolumeAttachment>> connected = volume == null ? Uni.createFrom().item(List.of())
                    : VolumeAttachment.<VolumeAttachment>list("volumeId = ?1 and deleted = false and chapUser is not null and attachStatus in ?2",
                            volumeId, Set.of(AttachStatus.ATTACHING, AttachStatus.ATTACHED));
            return connected.chain(attachments -> {
                List<String> changes = new ArrayList<>();
                Set<String> served = exporter().exported().getOrDefault(id, Set.of());
                Set<String> wanted = attachments.stream().map(a -> a.chapUser).collect(Collectors.toSet());
                Uni<Void> revoked = blocking(() -> served.stream().filter(user -> !wanted.contains(user)).forEach(user -> {
                    exporter().revoke(id, user);
                    changes.add("revoked CHAP user " + user + " of volume " + id + ": no connected attachment holds it");
                }));
                List<VolumeAttachment> missing = attachments.stream().filter(a -> !served.contains(a.chapUser)).toList();
                return revoked.chain(() -> Multi.createFrom().iterable(missing).onItem().transformToUniAndConcatenate(a ->
                                        export(a, volume, new AtomicReference<>())
                                                .invoke(() -> changes.add("re-exported attachment " + a.id + " of volume " + id))
                                                .onFailure(ExportException.class).recoverWithUni(e -> {
                                                    a.attachStatus = AttachStatus.ERROR_ATTACHING;
                                                    a.updatedAt = VolumeService.now();
                                                    changes.add("attachment " + a.id + " of volume " + id + " cannot be exported ("
                                                            + e.getMessage() + "): now error_attaching");
                                                    return recomputeVolume(volume, null, null);
                                                }))
                                .collect().last())
                        .replaceWith(changes);
            });
        }));
    }

    // ---- reads -------------------------------------------------------------------------------------------------

    public Uni<VolumeAttachment> get(Scope scope, UUID attachmentId) {
        return Panache.withSession(() -> findAttachment(scope, attachmentId));
    }

    private static Uni<VolumeAttachment> findAttachment(Scope scope, UUID attachmentId) {
        Uni<VolumeAttachment> found = scope.admin()
                ? VolumeAttachment.find("id = ?1 and deleted = false", attachmentId).firstResult()
                : VolumeAttachment.find("id = ?1 and deleted = false and projectId = ?2", attachmentId, scope.projectId()).firstResult();
        return found.onItem().ifNull().failWith(() -> new AttachmentNotFound(attachmentId));
    }

    /** Attachment attributes the list API may sort by (never-null columns, so markers compare exactly). */
    public static final Map<String, String> SORT_KEYS = Map.of("id", "id", "created_at", "createdAt", "volume_id", "volumeId",
            "attach_status", "attachStatus", "project_id", "projectId");

    public Uni<List<VolumeAttachment>> list(Scope scope, ListQuery query) {
        StringBuilder where = new StringBuilder("a.deleted = false");
        Parameters params = new Parameters();
        if (!(scope.admin() && query.allTenants())) {
            where.append(" and a.projectId = :project");
            params.and("project", scope.projectId());
        }
        query.filters().forEach((attribute, value) -> {
            where.append(" and a.").append(attribute).append(" = :f_").append(attribute);
            params.and("f_" + attribute, value);
        });
        return Panache.withSession(() -> {
            Uni<VolumeAttachment> marker = query.marker() == null ? Uni.createFrom().nullItem() : markerAttachment(scope, query.marker());
            return marker.chain(m -> {
                if (query.matchesNothing() || Integer.valueOf(0).equals(query.limit())) {
                    return Uni.createFrom().item(List.<VolumeAttachment>of());
                }
                if (m != null) {
                    where.append(" and ").append(query.afterMarker("a"));
                    int i = 0;
                    for (ListQuery.Sort s : query.order()) {
                        params.and("m" + i++, switch (s.attribute()) {
                            case "id" -> m.id;
                            case "createdAt" -> m.createdAt;
                            case "volumeId" -> m.volumeId;
                            case "attachStatus" -> m.attachStatus;
                            case "projectId" -> m.projectId;
                            default -> throw new IllegalArgumentException("unsortable " + s.attribute());
                        });
                    }
                }
                return VolumeAttachment.<VolumeAttachment>find("from VolumeAttachment a where " + where + " order by " + query.orderBy("a"), params)
                        .range(query.offset(), query.limit() == null ? Integer.MAX_VALUE - 1 : query.offset() + query.limit() - 1)
                        .list();
            });
        });
    }

    private static Uni<VolumeAttachment> markerAttachment(Scope scope, String marker) {
        String id = Uuids.canonical(marker);
        return id == null ? Uni.createFrom().failure(new AttachmentNotFound(marker))
                : findAttachment(scope, UUID.fromString(id)).onFailure(AttachmentNotFound.class)
                        .transform(e -> new AttachmentNotFound(marker));
    }

    /**
     * Attachments stuck in reserved or attaching for longer than {@code age}: clients that died between the steps
     * (Cinder has no timeout for them; spec §8 "dangling attachments"). All projects: for admins.
     */
    public Uni<List<VolumeAttachment>> stale(Duration age) {
        return Panache.withSession(() -> VolumeAttachment.<VolumeAttachment>find(
                "deleted = false and attachStatus in ?1 and coalesce(updatedAt, createdAt) < ?2 order by createdAt",
                Set.of(AttachStatus.RESERVED, AttachStatus.ATTACHING), VolumeService.now().minus(age)).list());
    }

    /** The attached (completed) attachments of each volume, for the volume view's {@code attachments}. */
    public Uni<Map<UUID, List<VolumeAttachment>>> attachedTo(Collection<UUID> volumeIds) {
        if (volumeIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return Panache.withSession(() -> VolumeAttachment.<VolumeAttachment>find(
                        "volumeId in ?1 and deleted = false and attachStatus = ?2 order by createdAt", volumeIds, AttachStatus.ATTACHED).list())
                .map(list -> list.stream().collect(Collectors.groupingBy(a -> a.volumeId, HashMap::new, Collectors.toList())));
    }

    /**
     * Cinder's connection_info for an iSCSI attachment, flattened (driver_volume_type beside the target keys), or an
     * empty map when the attachment has no connection. {@code access_mode} is the attachment's mode (spec §9.4).
     */
    public Map<String, Object> connectionInfo(VolumeAttachment attachment) {
        Map<String, Object> info = new LinkedHashMap<>();
        if (!attachment.connected()) {
            return info;
        }
        info.put("target_discovered", false);
        info.put("target_iqn", attachment.targetIqn);
        info.put("target_portal", attachment.targetPortal);
        info.put("target_lun", 0);
        if (attachment.multipath) {
            info.put("target_iqns", List.of(attachment.targetIqn));
            info.put("target_portals", List.of(attachment.targetPortal));
            info.put("target_luns", List.of(0));
        }
        info.put("volume_id", attachment.volumeId.toString());
        info.put("auth_method", "CHAP");
        info.put("auth_username", attachment.chapUser);
        info.put("auth_password", chap.decrypt(attachment.id, attachment.chapSecret));
        info.put("access_mode", attachment.attachMode);
        info.put("encrypted", false);
        info.put("qos_specs", null);
        info.put("cacheable", false);
        info.put("driver_volume_type", "iscsi");
        info.put("attachment_id", attachment.id.toString());
        return info;
    }

    /**
     * Every grant the target must serve: attachments in attaching/attached with a connector, secrets decrypted. For
     * the exporter's start-up reconciliation (call it from a Vert.x context, e.g. VertxContextSupport.subscribeAndAwait).
     */
    public Uni<List<ExportGrant>> grantsToRestore() {
        return Panache.withSession(() -> VolumeAttachment.<VolumeAttachment>find(
                        "deleted = false and chapUser is not null and attachStatus in ?1", Set.of(AttachStatus.ATTACHING, AttachStatus.ATTACHED)).list()
                .chain(attachments -> {
                    List<UUID> ids = attachments.stream().map(a -> a.id).toList();
                    List<UUID> volumeIds = attachments.stream().map(a -> a.volumeId).distinct().toList();
                    if (ids.isEmpty()) {
                        return Uni.createFrom().item(List.<ExportGrant>of());
                    }
                    return Volume.<Volume>find("id in ?1", volumeIds).list().chain(vols ->
                            AttachmentSpec.<AttachmentSpec>find("attachmentId in ?1 and key = 'initiator'", ids).list().map(initiators -> {
                                Map<UUID, Volume> byId = vols.stream().collect(Collectors.toMap(v -> v.id, v -> v));
                                Map<UUID, String> initiatorOf = initiators.stream().collect(Collectors.toMap(s -> s.attachmentId, s -> decode(s.value)));
                                return attachments.stream()
                                        .map(a -> grant(a, byId.get(a.volumeId), Map.of("initiator", jsonString(initiatorOf.get(a.id)))))
                                        .toList();
                            }));
                }));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private ExportGrant grant(VolumeAttachment attachment, Volume volume, Map<String, String> specs) {
        return new ExportGrant(volume.id.toString(), Path.of(volume.backingPath), volume.rawDevice, decode(specs.get("initiator")),
                attachment.chapUser, chap.decrypt(attachment.id, attachment.chapSecret), "ro".equals(attachment.attachMode));
    }

    /** The stored connector of an attachment, key → JSON text. */
    private static Uni<Map<String, String>> specsOf(UUID attachmentId) {
        return AttachmentSpec.<AttachmentSpec>find("attachmentId", attachmentId).list()
                .map(rows -> rows.stream().collect(Collectors.toMap(s -> s.key, s -> s.value)));
    }

    private static Map<String, String> encode(ObjectNode connector) {
        Map<String, String> specs = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = connector.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            specs.put(entry.getKey(), entry.getValue().toString());
        }
        return specs;
    }

    private static String decode(String json) {
        try {
            return json == null ? null : JSON.readTree(json).asText();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Corrupt connector value", e);
        }
    }

    private static String jsonString(String text) {
        return JSON.getNodeFactory().textNode(text).toString();
    }

    /**
     * iSCSI needs the initiator's IQN: without it the connect is a client error (Cinder master: 400). Keys, host and
     * mountpoint must fit their columns (255), an IQN its RFC 3720 limit (223).
     */
    private static void requireInitiator(ObjectNode connector) {
        String initiator = text(connector, "initiator");
        if (initiator == null || initiator.isBlank() || initiator.length() > 223) {
            throw new InvalidConnector("Connector doesn't have required information: initiator");
        }
        connector.fieldNames().forEachRemaining(key -> {
            if (key.length() > 255) {
                throw new InvalidConnector("Connector keys are at most 255 characters long.");
            }
        });
        for (String key : List.of("host", "mountpoint", "mode")) {
            String value = text(connector, key);
            if (value != null && value.length() > 255) {
                throw new InvalidConnector("Connector " + key + " is at most 255 characters long.");
            }
        }
    }

    private static String text(ObjectNode connector, String key) {
        JsonNode value = connector.get(key);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static boolean isMode(String mode) {
        return "rw".equals(mode) || "ro".equals(mode);
    }

    /** The mode asked for at create (3.54), else the connector's, else rw (before any read-only flag applies). */
    private static String requestedMode(String asked, ObjectNode connector) {
        String connectorMode = text(connector, "mode");
        return isMode(asked) ? asked : isMode(connectorMode) ? connectorMode : "rw";
    }

    private static String mountpoint(ObjectNode connector) {
        return Objects.requireNonNullElse(text(connector, "mountpoint"), "na");
    }

    /** oslo's bool_from_string: the CLI sends multipath as the string "True". */
    static boolean truthy(JsonNode value) {
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        return Set.of("1", "t", "true", "on", "y", "yes").contains(value.asText().trim().toLowerCase());
    }

    private VolumeExporter exporter() {
        if (!exporters.isResolvable()) {
            throw new ExportException("no volume exporter is installed");
        }
        return exporters.get();
    }

    private Uni<Void> blocking(Runnable work) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            work.run();
            return true;
        })).replaceWithVoid();
    }
}
