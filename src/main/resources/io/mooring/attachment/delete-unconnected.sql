-- Delete, step 2, under the volume's row lock (a fresh snapshot: it sees every attachment committed before the lock):
-- soft-deletes a never-connected attachment (nothing to revoke) and derives the volume's state from the attachments
-- that remain, strongest of attached > attaching > detaching > reserved (error_* ignored), none -> available; as
-- AttachmentService.recomputeVolume does. Only while the volume is in one of the attach workflow's states: in any other
-- (deleting, extending, error, ...) no row changes, and the entity path decides. No row: the fast path lost. Returns
-- the attachment's status before (all CTEs read one snapshot), for the transition count.
-- params: attachment_id, admin, project_id
WITH before AS (
    SELECT attach_status FROM volume_attachment WHERE id = $1::uuid
), gone AS (
    UPDATE volume_attachment a
       SET deleted = true, attach_status = 'detached', deleted_at = now() AT TIME ZONE 'utc',
           detach_time = now() AT TIME ZONE 'utc', updated_at = now() AT TIME ZONE 'utc'
      FROM volumes v
     WHERE a.id = $1::uuid AND NOT a.deleted AND ($2::boolean OR a.project_id = $3::varchar) AND a.chap_user IS NULL
       AND v.id = a.volume_id AND v.status IN ('available', 'reserved', 'attaching', 'detaching', 'in-use')
 RETURNING a.volume_id
), strongest AS (
    SELECT min(CASE o.attach_status WHEN 'attached' THEN 1 WHEN 'attaching' THEN 2 WHEN 'detaching' THEN 3
                                    WHEN 'reserved' THEN 4 END) AS rank
      FROM volume_attachment o JOIN gone ON o.volume_id = gone.volume_id
     WHERE NOT o.deleted AND o.id <> $1::uuid
)
UPDATE volumes v
   SET status = CASE s.rank WHEN 1 THEN 'in-use' WHEN 2 THEN 'attaching' WHEN 3 THEN 'detaching'
                            WHEN 4 THEN 'reserved' ELSE 'available' END,
       attach_status = CASE s.rank WHEN 1 THEN 'attached' WHEN 2 THEN 'attaching' WHEN 3 THEN 'detaching'
                                   WHEN 4 THEN 'reserved' ELSE 'detached' END,
       updated_at = now() AT TIME ZONE 'utc'
  FROM gone, strongest s
 WHERE v.id = gone.volume_id
RETURNING v.id, (SELECT attach_status FROM before) AS previous_status
