-- Web UI benchmark data (docs/PERFORMANCE.md): 100,000 repositories in 1,000 namespaces (one in
-- five public), each with a tag "latest", and bench/seed with 100,000 tags. Every manifest is a
-- copy of bench/seed:1, which must have been pushed for real first (its config and layers are in
-- storage, so image pages can read them). Run once on a fresh database: psql -f generate.sql
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE seed AS
    SELECT m.id, m.repository_id, m.digest, m.media_type, m.content
    FROM manifests m JOIN repositories r ON r.id = m.repository_id JOIN tags t ON t.manifest_id = m.id
    WHERE r.name = 'bench/seed' AND t.name = '1';
INSERT INTO repositories (name, pushed_at)
    SELECT 'ns' || lpad((i % 1000)::text, 3, '0') || '/repo-' || i, now() - i * interval '1 minute'
    FROM generate_series(1, 100000) i;
INSERT INTO manifests (repository_id, digest, media_type, content)
    SELECT r.id, s.digest, s.media_type, s.content FROM repositories r, seed s WHERE r.name LIKE 'ns%';
INSERT INTO manifest_blobs (manifest_id, digest)
    SELECT m.id, mb.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id, seed s
    JOIN manifest_blobs mb ON mb.manifest_id = s.id WHERE r.name LIKE 'ns%';
INSERT INTO repository_blobs (repository_id, digest)
    SELECT m.repository_id, mb.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id, seed s
    JOIN manifest_blobs mb ON mb.manifest_id = s.id WHERE r.name LIKE 'ns%';
INSERT INTO tags (repository_id, name, manifest_id)
    SELECT m.repository_id, 'latest', m.id FROM manifests m JOIN repositories r ON r.id = m.repository_id
    WHERE r.name LIKE 'ns%';
INSERT INTO repository_visibility (name, public)
    SELECT name, true FROM repositories WHERE name LIKE 'ns%' AND id % 5 = 0;
INSERT INTO tags (repository_id, name, manifest_id, updated_at)
    SELECT s.repository_id, 'v' || lpad(i::text, 6, '0'), s.id, now() - i * interval '1 second'
    FROM seed s, generate_series(1, 100000) i;
COMMIT;
VACUUM ANALYZE;
