-- Create with a connector, inside the transaction the export then runs in (BEGIN; this; export to the target; COMMIT):
-- the volume's compare-and-swap as in reserve.sql but straight to attaching, the attachment INSERT with its CHAP
-- account and target, and the connector's specs, in one statement. The mode is the caller's unless the volume is
-- read-only (admin metadata readonly=True), as AttachmentService.writeConnection decides. No row: the swap lost, and the
-- entity path finds out why. A second connected attachment of a non-multiattach volume violates
-- volume_attachment_one_connected. Returns the attachment, then what the export needs of the volume.
-- params: attachment_id, volume_id, admin, project_id, instance_uuid, attach_mode, attached_host, mountpoint, multipath, chap_user, chap_secret, target_iqn, target_portal, spec_keys, spec_values
WITH swapped AS (
    UPDATE volumes v
       SET status = 'attaching', attach_status = 'attaching', updated_at = now() AT TIME ZONE 'utc'
     WHERE v.id = $2::uuid AND ($3::boolean OR v.project_id = $4::varchar)
       AND (v.status IN ('available', 'downloading') OR (v.multiattach AND v.status = 'in-use'))
 RETURNING v.id, v.project_id, v.multiattach, v.updated_at, v.backing_path, v.raw_device,
           v.admin_metadata::jsonb ->> 'readonly' = 'True' AS readonly
), connected AS (
    INSERT INTO volume_attachment (id, volume_id, project_id, instance_uuid, attached_host, mountpoint, attach_status,
                                   attach_mode, attach_time, multiattach, chap_user, chap_secret, target_iqn,
                                   target_portal, multipath, created_at, updated_at)
    SELECT $1::uuid, s.id, s.project_id, $5::varchar, $7::varchar, $8::varchar, 'attaching',
           CASE WHEN s.readonly THEN 'ro' ELSE $6::varchar END, s.updated_at, s.multiattach, $10::varchar, $11::bytea,
           $12::varchar, $13::varchar, $9::boolean, s.updated_at, s.updated_at
      FROM swapped s
 RETURNING id, volume_id, project_id, instance_uuid, attached_host, mountpoint, attach_status, attach_mode, attach_time,
           detach_time, multiattach, chap_user, chap_secret, target_iqn, target_portal, multipath, created_at,
           updated_at, deleted_at, deleted
), specs AS (
    INSERT INTO attachment_specs (attachment_id, key, value)
    SELECT c.id, spec.key, spec.value FROM connected c, unnest($14::varchar[], $15::text[]) AS spec (key, value)
)
SELECT c.*, s.backing_path, s.raw_device FROM connected c, swapped s
