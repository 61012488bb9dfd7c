-- Catalog and tag-list scale fixture (docs/PERFORMANCE.md, "Catalog and tag lists at scale").
-- Adds :repos repositories in 1,000 namespaces (ns000/repo-0000001 ...), each with :tags_per_repo
-- tags (v1, v2, ...), and gives bench/seed :big_tags more tags (t0000001 ...). Every repository
-- gets one manifest, a copy of bench/seed:1, which must have been pushed first. The rows are what
-- /v2/_catalog and /v2/<name>/tags/list read; the copies have no blob links, so they are not for
-- pulling layers. Run once on a fresh database:
--   psql -v repos=1000000 -v tags_per_repo=9 -v big_tags=1000000 -f generate.sql
-- Secondary indexes of repositories, manifests and tags are dropped for the bulk insert and
-- re-created from their saved definitions afterwards (several times faster than maintaining them);
-- foreign keys are not checked row by row. Needs a superuser (postgres).
\set ON_ERROR_STOP on
SET maintenance_work_mem = '256MB';
SET synchronous_commit = off;
BEGIN;
-- the rows are consistent by construction: skip the per-row foreign-key triggers (superuser only)
SET LOCAL session_replication_role = replica;
CREATE TEMP TABLE seed AS
    SELECT m.id, m.repository_id, m.digest, m.media_type, m.content
    FROM manifests m JOIN repositories r ON r.id = m.repository_id JOIN tags t ON t.manifest_id = m.id
    WHERE r.name = 'bench/seed' AND t.name = '1';
DO $$ BEGIN
    IF (SELECT count(*) FROM seed) <> 1 THEN RAISE EXCEPTION 'push bench/seed:1 first'; END IF;
END $$;
CREATE TEMP TABLE saved_indexes AS
    SELECT i.indexname, i.indexdef FROM pg_indexes i
    WHERE i.schemaname = current_schema() AND i.tablename IN ('repositories', 'manifests', 'tags')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname);
DO $$ DECLARE r record; BEGIN
    FOR r IN SELECT indexname FROM saved_indexes LOOP EXECUTE format('DROP INDEX %I', r.indexname); END LOOP;
END $$;
INSERT INTO repositories (name, pushed_at)
    SELECT 'ns' || lpad((i % 1000)::text, 3, '0') || '/repo-' || lpad(i::text, 7, '0'), now() - i * interval '1 second'
    FROM generate_series(1, :repos) i;
INSERT INTO manifests (repository_id, digest, media_type, content)
    SELECT r.id, s.digest, s.media_type, s.content FROM repositories r, seed s WHERE r.name LIKE 'ns%';
INSERT INTO tags (repository_id, name, manifest_id)
    SELECT m.repository_id, 'v' || j, m.id
    FROM manifests m, generate_series(1, :tags_per_repo) j
    WHERE m.repository_id <> (SELECT repository_id FROM seed)
    ORDER BY m.repository_id, 'v' || j;
INSERT INTO tags (repository_id, name, manifest_id, updated_at)
    SELECT s.repository_id, 't' || lpad(i::text, 7, '0'), s.id, now() - i * interval '1 second'
    FROM seed s, generate_series(1, :big_tags) i;
DO $$ DECLARE r record; BEGIN
    FOR r IN SELECT indexdef FROM saved_indexes LOOP EXECUTE r.indexdef; END LOOP;
END $$;
COMMIT;
VACUUM ANALYZE repositories;
VACUUM ANALYZE manifests;
VACUUM ANALYZE tags;
SELECT (SELECT count(*) FROM repositories) AS repositories, (SELECT count(*) FROM tags) AS tags,
       pg_size_pretty(pg_database_size(current_database())) AS database_size;
