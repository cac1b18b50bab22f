-- Delete, step 2 of the pipelined transaction (BEGIN; delete-lock; this; delete-remaining; COMMIT), under the volume's
-- row lock (a new statement, so a fresh snapshot: it sees every attachment committed before the lock). With revoked
-- false: a never-connected attachment (nothing to revoke) is soft-deleted, a connected one is marked detaching (its
-- CHAP account is revoked next, between the two transactions, CVE-2023-2088's order). With revoked true, after that
-- revoke: the detaching attachment is soft-deleted. The volume's state is derived from the attachments that remain,
-- strongest of attached > attaching > detaching > reserved (error_* ignored), none -> available, as
-- AttachmentService.recomputeVolume does. Only while the volume is in one of the attach workflow's states: in any other
-- (deleting, extending, error, ...) no row changes, and the entity path decides. No row: the fast path lost. Returns
-- the attachment's status before (all CTEs read one snapshot), for the transition count, and the CHAP user to revoke
-- when it was marked detaching.
-- params: attachment_id, admin, project_id, revoked
WITH before AS (
    SELECT attach_status FROM volume_attachment WHERE id = $1::uuid
), gone AS (
    UPDATE volume_attachment a
       SET deleted = a.chap_user IS NULL OR $4::boolean,
           attach_status = CASE WHEN a.chap_user IS NULL OR $4::boolean THEN 'detached' ELSE 'detaching' END,
           deleted_at = CASE WHEN a.chap_user IS NULL OR $4::boolean THEN now() AT TIME ZONE 'utc' END,
           detach_time = CASE WHEN a.chap_user IS NULL OR $4::boolean THEN now() AT TIME ZONE 'utc' END,
           updated_at = now() AT TIME ZONE 'utc'
      FROM volumes v
     WHERE a.id = $1::uuid AND NOT a.deleted AND ($2::boolean OR a.project_id = $3::varchar)
       AND (NOT $4::boolean OR (a.attach_status = 'detaching' AND a.chap_user IS NOT NULL))
       AND v.id = a.volume_id AND v.status IN ('available', 'reserved', 'attaching', 'detaching', 'in-use')
 RETURNING a.volume_id, a.deleted, a.chap_user
), strongest AS (
    SELECT least(min(CASE o.attach_status WHEN 'attached' THEN 1 WHEN 'attaching' THEN 2 WHEN 'detaching' THEN 3
                                          WHEN 'reserved' THEN 4 END),
                 min(CASE WHEN NOT gone.deleted THEN 3 END)) AS rank
      FROM gone LEFT JOIN volume_attachment o ON o.volume_id = gone.volume_id AND NOT o.deleted AND o.id <> $1::uuid
)
UPDATE volumes v
   SET status = CASE s.rank WHEN 1 THEN 'in-use' WHEN 2 THEN 'attaching' WHEN 3 THEN 'detaching'
                            WHEN 4 THEN 'reserved' ELSE 'available' END,
       attach_status = CASE s.rank WHEN 1 THEN 'attached' WHEN 2 THEN 'attaching' WHEN 3 THEN 'detaching'
                                   WHEN 4 THEN 'reserved' ELSE 'detached' END,
       updated_at = now() AT TIME ZONE 'utc'
  FROM gone, strongest s
 WHERE v.id = gone.volume_id
RETURNING v.id, (SELECT attach_status FROM before) AS previous_status, CASE WHEN NOT gone.deleted THEN gone.chap_user END AS revoke_user
