-- Delete, step 3, still under the lock: the volume's remaining attachments, newest first (the DELETE's answer).
-- params: attachment_id
SELECT id, volume_id, project_id, instance_uuid, attached_host, mountpoint, attach_status, attach_mode, attach_time,
       detach_time, multiattach, chap_user, chap_secret, target_iqn, target_portal, multipath, created_at, updated_at,
       deleted_at, deleted
  FROM volume_attachment
 WHERE volume_id = (SELECT a.volume_id FROM volume_attachment a WHERE a.id = $1::uuid) AND NOT deleted
 ORDER BY created_at DESC, id DESC
