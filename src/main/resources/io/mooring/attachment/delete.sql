-- Delete, one step: the function of migration V5 (db/migration/V5__attachment_delete_function.sql) takes the volume's
-- row lock, then soft-deletes a never-connected attachment or marks a connected one detaching (revoked false), or
-- soft-deletes a detaching one whose account was revoked since (revoked true), deriving the volume's state, and answers
-- with the volume's remaining attachments (one row of nulls when none remain). One statement, committed on its own. No
-- row: the fast path lost.
-- params: attachment_id, admin, project_id, revoked
SELECT changed_volume, status_before, revoke_user, (remaining).id, (remaining).volume_id, (remaining).project_id,
       (remaining).instance_uuid, (remaining).attached_host, (remaining).mountpoint, (remaining).attach_status,
       (remaining).attach_mode, (remaining).attach_time, (remaining).detach_time, (remaining).multiattach,
       (remaining).chap_user, (remaining).chap_secret, (remaining).target_iqn, (remaining).target_portal,
       (remaining).multipath, (remaining).created_at, (remaining).updated_at, (remaining).deleted_at, (remaining).deleted
  FROM mooring_delete_attachment($1::uuid, $2::boolean, $3::varchar, $4::boolean)
