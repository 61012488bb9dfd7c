-- The web UI (issue 10): browser sessions, repository descriptions, push and pull facts, search.

-- Browser sessions, shared by every replica (Spring Session JDBC; spring.session.jdbc.table-name).
-- Only the UI's pages create them; /v2, /token and /api stay stateless.
CREATE TABLE web_sessions (
    primary_id            char(36) NOT NULL PRIMARY KEY,
    session_id            char(36) NOT NULL,
    creation_time         bigint NOT NULL,
    last_access_time      bigint NOT NULL,
    max_inactive_interval int NOT NULL,
    expiry_time           bigint NOT NULL,
    principal_name        varchar(100)
);
CREATE UNIQUE INDEX web_sessions_by_session_id ON web_sessions (session_id);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expiry_time);
CREATE INDEX web_sessions_by_principal ON web_sessions (principal_name);

CREATE TABLE web_sessions_attributes (
    session_primary_id char(36) NOT NULL REFERENCES web_sessions (primary_id) ON DELETE CASCADE,
    attribute_name     varchar(200) NOT NULL,
    attribute_bytes    bytea NOT NULL,
    PRIMARY KEY (session_primary_id, attribute_name)
);

-- A repository's description (Markdown, rendered and sanitized when shown), at most 20,000 characters.
ALTER TABLE repositories ADD COLUMN description text CHECK (char_length(description) <= 20000);
-- When a manifest was last pushed to the repository: written by the push's own transaction.
ALTER TABLE repositories ADD COLUMN pushed_at timestamptz;
-- Manifest GETs, counted in memory by each replica and added here every few seconds.
ALTER TABLE repositories ADD COLUMN pull_count bigint NOT NULL DEFAULT 0;
-- The last manifest GET by this tag, written the same way.
ALTER TABLE tags ADD COLUMN last_pulled_at timestamptz;

UPDATE repositories r SET pushed_at = (SELECT max(m.created_at) FROM manifests m WHERE m.repository_id = r.id);

-- explore, sorted by last push (keyset on pushed_at, name; repositories never pushed to are not in it)
CREATE INDEX repositories_by_push ON repositories (pushed_at, name) WHERE pushed_at IS NOT NULL;
-- the most recently changed tag of a repository
CREATE INDEX tags_by_update ON tags (repository_id, updated_at DESC);
-- the tags of one image, in order (an image page lists them; one manifest may carry 100,000 tags)
CREATE INDEX tags_by_manifest_and_name ON tags (manifest_id, name);
-- what anonymous visitors may see
CREATE INDEX repository_visibility_public ON repository_visibility (name) WHERE public;

-- Search by any part of a name: a trigram index, when pg_trgm can be had (it ships with PostgreSQL's
-- contrib, in Debian's packages and in the embedded server, and is a trusted extension since 13, so
-- a database owner may create it). Without it search still works, by scanning the names.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): repository search scans names instead of using an index', SQLERRM;
END
$$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX repositories_name_trgm ON repositories USING gin (name gin_trgm_ops)';
    END IF;
END
$$;
