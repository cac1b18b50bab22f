-- The delete of an attachment as one statement (io.mooring.attachment.AttachmentFastPath.delete, and the pgbench
-- ceiling of benchmarks/rest-ceiling.sh, through io/mooring/attachment/delete.sql): one round trip and one commit,
-- where BEGIN, the lock, the change, the read of what remains and COMMIT as separate statements cost PostgreSQL a
-- protocol exchange each.
-- The volume's row lock comes first, as on every path; the change is a second statement, so it runs in a new snapshot
-- (each statement of a volatile function takes one) that sees every attachment committed before the lock.
--
-- With p_revoked false: a never-connected attachment (nothing to revoke) is soft-deleted, a connected one marked
-- detaching (its CHAP account is revoked next, between this and the second call, CVE-2023-2088's order). With
-- p_revoked true, after that revoke: the detaching attachment is soft-deleted. The volume's state is derived from the
-- attachments that remain, strongest of attached > attaching > detaching > reserved (error_* ignored), none ->
-- available, as AttachmentService.recomputeVolume does. Only while the volume is in one of the attach workflow's
-- states: in any other (deleting, extending, error, ...) nothing changes and no row is returned, and the entity path
-- decides. Each row: the volume, the attachment's status before (for the transition count), the CHAP user to revoke
-- when it was marked detaching, and one of the volume's remaining attachments (null in the one row when none remain).
CREATE FUNCTION mooring_delete_attachment(p_attachment uuid, p_admin boolean, p_project varchar, p_revoked boolean)
    RETURNS TABLE (changed_volume uuid, status_before varchar, revoke_user varchar, remaining volume_attachment)
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_volume uuid;
    v_previous varchar;
    v_revoke varchar;
BEGIN
    PERFORM 1
       FROM volumes v
      WHERE v.id = (SELECT a.volume_id FROM volume_attachment a
                     WHERE a.id = p_attachment AND NOT a.deleted AND (p_admin OR a.project_id = p_project))
        FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    WITH before AS (
        SELECT b.attach_status FROM volume_attachment b WHERE b.id = p_attachment
    ), gone AS (
        UPDATE volume_attachment a
           SET deleted = a.chap_user IS NULL OR p_revoked,
               attach_status = CASE WHEN a.chap_user IS NULL OR p_revoked THEN 'detached' ELSE 'detaching' END,
               deleted_at = CASE WHEN a.chap_user IS NULL OR p_revoked THEN now() AT TIME ZONE 'utc' END,
               detach_time = CASE WHEN a.chap_user IS NULL OR p_revoked THEN now() AT TIME ZONE 'utc' END,
               updated_at = now() AT TIME ZONE 'utc'
          FROM volumes v
         WHERE a.id = p_attachment AND NOT a.deleted AND (p_admin OR a.project_id = p_project)
           AND (NOT p_revoked OR (a.attach_status = 'detaching' AND a.chap_user IS NOT NULL))
           AND v.id = a.volume_id AND v.status IN ('available', 'reserved', 'attaching', 'detaching', 'in-use')
     RETURNING a.volume_id, a.deleted, a.chap_user
    ), strongest AS (
        SELECT least(min(CASE o.attach_status WHEN 'attached' THEN 1 WHEN 'attaching' THEN 2 WHEN 'detaching' THEN 3
                                              WHEN 'reserved' THEN 4 END),
                     min(CASE WHEN NOT gone.deleted THEN 3 END)) AS rank
          FROM gone LEFT JOIN volume_attachment o ON o.volume_id = gone.volume_id AND NOT o.deleted AND o.id <> p_attachment
    ), derived AS (
        UPDATE volumes v
           SET status = CASE s.rank WHEN 1 THEN 'in-use' WHEN 2 THEN 'attaching' WHEN 3 THEN 'detaching'
                                    WHEN 4 THEN 'reserved' ELSE 'available' END,
               attach_status = CASE s.rank WHEN 1 THEN 'attached' WHEN 2 THEN 'attaching' WHEN 3 THEN 'detaching'
                                           WHEN 4 THEN 'reserved' ELSE 'detached' END,
               updated_at = now() AT TIME ZONE 'utc'
          FROM gone, strongest s
         WHERE v.id = gone.volume_id
     RETURNING v.id
    )
    SELECT d.id, (SELECT b.attach_status FROM before b), CASE WHEN NOT g.deleted THEN g.chap_user END
      INTO v_volume, v_previous, v_revoke
      FROM derived d, gone g;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- the answer of the DELETE: the volume's remaining attachments, newest first (one row with none when none remain)
    RETURN QUERY
    SELECT v_volume, v_previous, v_revoke, o
      FROM (SELECT 1) one
      LEFT JOIN volume_attachment o ON o.volume_id = v_volume AND NOT o.deleted
     ORDER BY o.created_at DESC, o.id DESC;
END
$$;
