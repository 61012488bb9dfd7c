-- A retention run records how far it got, so that a run whose replica stopped (killed, crashed,
-- scaled down) is finished by another replica once it has recorded no progress for a while,
-- instead of leaving the rest of the namespaces for the next interval. Used by the 'retention'
-- row; the 'inventory' sweep keeps only last_started_at.
ALTER TABLE gc_jobs
    ADD COLUMN finished_at  timestamptz,
    ADD COLUMN heartbeat_at timestamptz,
    ADD COLUMN progress     text;

UPDATE gc_jobs SET finished_at = last_started_at, heartbeat_at = last_started_at;
