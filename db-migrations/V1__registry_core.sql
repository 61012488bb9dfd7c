-- Registry core: repositories, blobs, manifests, tags, upload sessions.
--
-- Names, digests and tags use the "C" collation: byte order is the lexical order the distribution
-- spec asks for, and keyset pagination walks the primary-key indexes directly.
--
-- Every reference is a row in an indexed table (repository -> blob, manifest -> blob,
-- manifest -> child manifest, tag -> manifest, manifest -> subject), so that "is this blob or
-- manifest still used anywhere?" is one index lookup for the online garbage collector.

CREATE TABLE repositories (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text COLLATE "C" NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per digest held in the blob store, whatever repositories refer to it.
CREATE TABLE blobs (
    digest     text COLLATE "C" PRIMARY KEY,
    size       bigint NOT NULL CHECK (size >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A blob is visible in a repository only through a link: an upload or a mount made it.
CREATE TABLE repository_blobs (
    repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest        text COLLATE "C" NOT NULL REFERENCES blobs (digest),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository_id, digest)
);
CREATE INDEX repository_blobs_by_digest ON repository_blobs (digest);

-- Manifests are stored byte-exact; the digest is over exactly these bytes.
CREATE TABLE manifests (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id  bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest         text COLLATE "C" NOT NULL,
    media_type     text NOT NULL,
    content        bytea NOT NULL,
    artifact_type  text,
    subject_digest text COLLATE "C",
    -- json, not jsonb: annotations are any strings, and jsonb cannot hold \u0000
    annotations    json,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (repository_id, digest)
);
-- subject -> referrer
CREATE INDEX manifests_by_subject ON manifests (repository_id, subject_digest, digest) WHERE subject_digest IS NOT NULL;

-- manifest -> blob (config and layers)
CREATE TABLE manifest_blobs (
    manifest_id bigint NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    digest      text COLLATE "C" NOT NULL,
    PRIMARY KEY (manifest_id, digest)
);
CREATE INDEX manifest_blobs_by_digest ON manifest_blobs (digest);

-- index -> child manifest (same repository)
CREATE TABLE manifest_children (
    parent_id    bigint NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    child_digest text COLLATE "C" NOT NULL,
    PRIMARY KEY (parent_id, child_digest)
);
CREATE INDEX manifest_children_by_child ON manifest_children (child_digest);

-- tag -> manifest
CREATE TABLE tags (
    repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    name          text COLLATE "C" NOT NULL,
    manifest_id   bigint NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository_id, name)
);
CREATE INDEX tags_by_manifest ON tags (manifest_id);

-- Upload sessions: everything a replica needs to continue an upload another one started.
CREATE TABLE upload_sessions (
    id            uuid PRIMARY KEY,
    repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    size          bigint NOT NULL DEFAULT 0,
    algorithm     text NOT NULL,
    digest_so_far text,
    store_state   text,
    lease_token   uuid,
    lease_expires timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX upload_sessions_by_updated ON upload_sessions (updated_at);
