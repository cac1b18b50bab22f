package io.mooring.attachment;

import io.mooring.auth.Scope;
import io.mooring.db.SqlFile;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.vertx.UniHelper;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The two hottest attachment operations on the reactive PostgreSQL client's SQL directly, without the ORM: a reserve
 * is one statement (the volume's compare-and-swap and the INSERT), the delete of a never-connected attachment one
 * pipelined transaction (BEGIN, the volume's row lock, soft delete with the volume's state derived, the remaining
 * attachments, COMMIT: one round trip). Each answers null when it does not apply (the swap lost, the attachment is
 * connected or missing, the volume is in a state the attach workflow does not own); {@link AttachmentService} then
 * takes its entity path, which finds out why and answers as Cinder does. Same locks, same order, same durability.
 */
@ApplicationScoped
public class AttachmentFastPath {

    static final List<String> RESERVE_PARAMS = List.of("volume_id", "admin", "project_id", "instance_uuid", "attach_mode");
    static final List<String> DELETE_PARAMS = List.of("attachment_id", "admin", "project_id");
    static final List<String> REMAINING_PARAMS = List.of("attachment_id");

    static final SqlFile RESERVE = SqlFile.load(AttachmentFastPath.class, "reserve.sql", RESERVE_PARAMS);
    static final SqlFile DELETE_LOCK = SqlFile.load(AttachmentFastPath.class, "delete-lock.sql", DELETE_PARAMS);
    static final SqlFile DELETE_UNCONNECTED = SqlFile.load(AttachmentFastPath.class, "delete-unconnected.sql", DELETE_PARAMS);
    static final SqlFile DELETE_REMAINING = SqlFile.load(AttachmentFastPath.class, "delete-remaining.sql", REMAINING_PARAMS);

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

    /** The volume's remaining attachments once a never-connected attachment is deleted, or null when it was not. */
    public Uni<List<VolumeAttachment>> deleteUnconnected(Scope scope, UUID attachmentId) {
        Tuple scoped = Tuple.of(attachmentId, scope.admin(), scope.projectId());
        Future<List<VolumeAttachment>> deleted = sql().getConnection().compose(connection -> {
            // Issued back to back without waiting: the client pipelines them onto the connection in this order, and
            // PostgreSQL runs them in order; a failed statement aborts the transaction and COMMIT then rolls it back.
            Future<RowSet<Row>> begin = connection.query("BEGIN").execute();
            Future<RowSet<Row>> lock = connection.preparedQuery(DELETE_LOCK.sql()).execute(scoped);
            Future<RowSet<Row>> changed = connection.preparedQuery(DELETE_UNCONNECTED.sql()).execute(scoped);
            Future<RowSet<Row>> remaining = connection.preparedQuery(DELETE_REMAINING.sql()).execute(Tuple.of(attachmentId));
            Future<RowSet<Row>> commit = connection.query("COMMIT").execute();
            // the first failure in statement order is the cause (later ones only say the transaction was aborted)
            return begin.compose(done -> lock).compose(done -> changed).compose(rows -> commit.compose(done -> {
                        if (rows.rowCount() != 1) {
                            return Future.<List<VolumeAttachment>>succeededFuture(null);
                        }
                        AttachmentTransitions.count(rows.iterator().next().getString("previous_status"), AttachStatus.DETACHED);
                        return remaining.map(AttachmentFastPath::attachments);
                    }))
                    .eventually(() -> connection.close());
        });
        return UniHelper.toUni(deleted);
    }

    private Pool sql() {
        return pool.getDelegate();
    }

    private static List<VolumeAttachment> attachments(RowSet<Row> rows) {
        List<VolumeAttachment> found = new ArrayList<>(rows.size());
        rows.forEach(row -> found.add(attachment(row)));
        return found;
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
