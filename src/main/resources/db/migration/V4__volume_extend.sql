-- Live extend (os-extend): the intent a request commits before it grows the backing store, so that reconciliation can
-- finish (or roll back) an extend a crash cut short. Both are set while the volume is 'extending', null otherwise.
ALTER TABLE volumes
    ADD COLUMN previous_status varchar(32),
    ADD COLUMN extending_to    integer CHECK (extending_to > 0);
