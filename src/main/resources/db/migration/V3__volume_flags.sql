-- Volume flags of the operator's everyday calls: os-set_bootable, and Cinder's admin metadata (os-update_readonly_flag
-- stores {"readonly": "True"|"False"} there, as Cinder does; the volume view shows its visible keys among the metadata).
ALTER TABLE volumes ADD COLUMN bootable boolean NOT NULL DEFAULT false;
ALTER TABLE volumes ADD COLUMN admin_metadata text NOT NULL DEFAULT '{}';
