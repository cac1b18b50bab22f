-- Cinder's volume view names the user that created a volume (user_id) and, at 3.48+, the volume service that holds it
-- (service_uuid). Each token speaks for a user: a generated 32-hex id, like a Keystone user id (not a secret).
ALTER TABLE auth_tokens ADD COLUMN user_id varchar(64);
UPDATE auth_tokens SET user_id = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE auth_tokens ALTER COLUMN user_id SET NOT NULL;

-- This appliance's one volume service, created once: its id outlives restarts and upgrades.
CREATE TABLE appliance_service (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    service_uuid  uuid NOT NULL
);
INSERT INTO appliance_service (service_uuid) VALUES (gen_random_uuid());
