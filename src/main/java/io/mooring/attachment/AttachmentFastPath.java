package io.mooring.attachment;

import io.mooring.auth.Scope;
import io.mooring.db.SqlFile;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.vertx.UniHelper;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The hottest attachment operations on the reactive PostgreSQL client's SQL directly, without the ORM: a reserve is one
 * statement (the volume's compare-and-swap and the INSERT); a create with a connector one statement (swap, INSERT,
 * specs) in a transaction that stays open while the caller exports, then COMMIT; a delete one statement (migration
 * V5's function: the volume's row lock, then soft delete or mark detaching with the volume's state derived, and the
 * remaining attachments), and a second one once a connected attachment's CHAP account is revoked. Each
 * answers null when it does not apply (the swap lost, the attachment is missing, the volume is in a state the attach
 * workflow does not own); {@link AttachmentService} then takes its entity path, which finds out why and answers as
 * Cinder does. Same locks, same order, same durability.
 */
@ApplicationScoped
public class AttachmentFastPath {

    static final List<String> RESERVE_PARAMS = List.of("volume_id", "admin", "project_id", "instance_uuid", "attach_mode");
    static final List<String> CONNECT_PARAMS = List.of("attachment_id", "volume_id", "admin", "project_id", "instance_uuid",
            "attach_mode", "attached_host", "mountpoint", "multipath", "chap_user", "chap_secret", "target_iqn",
            "target_portal", "spec_keys", "spec_values");
    static final List<String> DELETE_PARAMS = List.of("attachment_id", "admin", "project_id", "revoked");

    static final SqlFile RESERVE = SqlFile.load(AttachmentFastPath.class, "reserve.sql", RESERVE_PARAMS);
    static final SqlFile CONNECT = SqlFile.load(AttachmentFastPath.class, "connect.sql", CONNECT_PARAMS);
    static final SqlFile DELETE = SqlFile.load(AttachmentFastPath.class, "delete.sql", DELETE_PARAMS);

    /** What a create with a connector writes, decided by {@link AttachmentService} before the statement runs. */
    public record NewConnection(UUID attachmentId, String instanceUuid, String attachMode, String attachedHost,
                                String mountpoint, boolean multipath, String chapUser, byte[] chapSecret, String targetIqn,
                                String targetPortal, Map<String, String> specs) {
    }

    /** The connected attachment as written, and where its volume's data lives: what the export needs. */
    public record Connected(VolumeAttachment attachment, Path backingPath, boolean rawDevice) {
    }

    /**
     * A committed delete step: with {@code revokeUser} null the attachment is deleted and {@code remaining} is the
     * volume's live attachments; otherwise it is marked detaching and that CHAP account must be revoked before the
     * second step ({@link #delete} with {@code revoked} true).
     */
    public record Deleted(UUID volumeId, String revokeUser, List<VolumeAttachment> remaining) {
    }

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    /** The new reserved attachment, or null when the volume's compare-and-swap lost. */
    public Uni<VolumeAttachment> reserve(Scope scope, UUID volumeId, String instanceUuid, String mode) {
        Future<VolumeAttachment> reserved = sql().preparedQuery(RESERVE.sql())
                .execute(Tuple.of(volumeId, scope.admin(), scope.projectId(), instanceUuid, mode))
                .map(rows -> rows.size() == 1 ? attachment(rows.iterator().next()) : null);
        return UniHelper.toUni(reserved).invoke(attachment -> {
            if (attachment != null) {
                AttachmentTransitions.count(AttachmentTransitions.NONE, attachment.attachStatus);
            }
        });
    }

    /**
     * The new connected attachment, or null when the volume's compare-and-swap lost. {@code beforeCommit} (the export)
     * runs while the volume's row is locked and the rows are written but not committed; if it fails, nothing is.
     */
    public Uni<VolumeAttachment> connect(Scope scope, UUID volumeId, NewConnection connection,
                                         Function<Connected, Uni<Void>> beforeCommit) {
        String[] specKeys = new String[connection.specs().size()];
        String[] specValues = new String[specKeys.length];
        int i = 0;
        for (Map.Entry<String, String> spec : connection.specs().entrySet()) {
            specKeys[i] = spec.getKey();
            specValues[i++] = spec.getValue();
        }
        Tuple bound = Tuple.of(connection.attachmentId(), volumeId, scope.admin(), scope.projectId(),
                connection.instanceUuid(), connection.attachMode(), connection.attachedHost(), connection.mountpoint(),
                connection.multipath(), connection.chapUser(), Buffer.buffer(connection.chapSecret()), connection.targetIqn(),
                connection.targetPortal(), specKeys, specValues);
        Future<VolumeAttachment> connected = sql().getConnection().compose(db -> {
            Future<RowSet<Row>> begin = db.query("BEGIN").execute();
            Future<RowSet<Row>> written = db.preparedQuery(CONNECT.sql()).execute(bound);
            return begin.compose(done -> written).compose(rows -> {
                        if (rows.size() != 1) {
                            return db.query("ROLLBACK").execute().map((VolumeAttachment) null);
                        }
                        Row row = rows.iterator().next();
                        VolumeAttachment attachment = attachment(row);
                        Connected locked = new Connected(attachment, Path.of(row.getString("backing_path")), row.getBoolean("raw_device"));
                        return UniHelper.toFuture(beforeCommit.apply(locked))
                                .compose(done -> db.query("COMMIT").execute())
                                .map(done -> {
                                    AttachmentTransitions.count(AttachmentTransitions.NONE, AttachStatus.ATTACHING);
                                    return attachment;
                                });
                    })
                    .recover(failure -> db.query("ROLLBACK").execute().transform(done -> Future.<VolumeAttachment>failedFuture(failure)))
                    .eventually(() -> db.close());
        });
        return UniHelper.toUni(connected);
    }

    /**
     * One step of a delete, or null when it does not apply. With {@code revoked} false: a never-connected attachment
     * is deleted, a connected one marked detaching. With {@code revoked} true (its account revoked since): the
     * detaching attachment is deleted.
     */
    public Uni<Deleted> delete(Scope scope, UUID attachmentId, boolean revoked) {
        Future<Deleted> deleted = sql().preparedQuery(DELETE.sql())
                .execute(Tuple.of(attachmentId, scope.admin(), scope.projectId(), revoked))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row first = rows.iterator().next();
                    String revokeUser = first.getString("revoke_user");
                    AttachmentTransitions.count(first.getString("status_before"), revokeUser == null ? AttachStatus.DETACHED : AttachStatus.DETACHING);
                    List<VolumeAttachment> remaining = new ArrayList<>(rows.size());
                    rows.forEach(row -> {
                        if (row.getUUID("id") != null) {
                            remaining.add(attachment(row));
                        }
                    });
                    return new Deleted(first.getUUID("changed_volume"), revokeUser, remaining);
                });
        return UniHelper.toUni(deleted);
    }

    private Pool sql() {
        return pool.getDelegate();
    }

    /** A detached entity from the columns the SQL files return, in their order. */
    static VolumeAttachment attachment(Row row) {
        VolumeAttachment a = new VolumeAttachment();
        a.id = row.getUUID("id");
        a.volumeId = row.getUUID("volume_id");
        a.projectId = row.getString("project_id");
        a.instanceUuid = row.getString("instance_uuid");
        a.attachedHost = row.getString("attached_host");
        a.mountpoint = row.getString("mountpoint");
        a.attachStatus = row.getString("attach_status");
        a.attachMode = row.getString("attach_mode");
        a.attachTime = row.getLocalDateTime("attach_time");
        a.detachTime = row.getLocalDateTime("detach_time");
        a.multiattach = row.getBoolean("multiattach");
        a.chapUser = row.getString("chap_user");
        a.chapSecret = row.getBuffer("chap_secret") == null ? null : row.getBuffer("chap_secret").getBytes();
        a.targetIqn = row.getString("target_iqn");
        a.targetPortal = row.getString("target_portal");
        a.multipath = row.getBoolean("multipath");
        a.createdAt = row.getLocalDateTime("created_at");
        a.updatedAt = row.getLocalDateTime("updated_at");
        a.deletedAt = row.getLocalDateTime("deleted_at");
        a.deleted = row.getBoolean("deleted");
        return a;
    }
}
