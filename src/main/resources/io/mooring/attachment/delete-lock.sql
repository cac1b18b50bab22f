-- Delete, step 1 of the pipelined transaction (BEGIN; this; delete; delete-remaining; COMMIT): the
-- attachment's volume row lock, which every change to a volume's attachments takes first.
-- params: attachment_id, admin, project_id
SELECT v.id
  FROM volumes v
 WHERE v.id = (SELECT a.volume_id FROM volume_attachment a
                WHERE a.id = $1::uuid AND NOT a.deleted AND ($2::boolean OR a.project_id = $3::varchar))
   FOR UPDATE
