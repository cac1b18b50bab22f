-- Reserve: the volume's compare-and-swap (available or downloading, or in-use if multiattach -> reserved) and the
-- attachment's INSERT in one statement, so a reserve is one round trip. No row when the swap loses: the entity path
-- (AttachmentService) then finds out why (same-instance override, error state, not reservable, not found).
-- params: volume_id, admin, project_id, instance_uuid, attach_mode
WITH swapped AS (
    UPDATE volumes v
       SET status = 'reserved', attach_status = 'reserved', updated_at = now() AT TIME ZONE 'utc'
     WHERE v.id = $1::uuid AND ($2::boolean OR v.project_id = $3::varchar)
       AND (v.status IN ('available', 'downloading') OR (v.multiattach AND v.status = 'in-use'))
 RETURNING v.id, v.project_id, v.multiattach, v.updated_at
)
INSERT INTO volume_attachment (id, volume_id, project_id, instance_uuid, attach_status, attach_mode, multiattach, created_at)
SELECT gen_random_uuid(), s.id, s.project_id, $4::varchar, 'reserved', $5::varchar, s.multiattach, s.updated_at FROM swapped s
RETURNING id, volume_id, project_id, instance_uuid, attached_host, mountpoint, attach_status, attach_mode, attach_time,
          detach_time, multiattach, chap_user, chap_secret, target_iqn, target_portal, multipath, created_at, updated_at,
          deleted_at, deleted
