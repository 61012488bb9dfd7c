-- Pull-through caches and replication (issue 11).
--
-- A pull-through cache owns the namespace of its name: its cached repositories are ordinary
-- repositories named <cache>/<upstream path>, so a cache name can never also be a user or an
-- organization (one primary key over all three kinds). Caches from settings claim their namespace
-- row at start; caches made through the API are rows of proxy_caches as well.
ALTER TABLE namespaces DROP CONSTRAINT namespaces_kind_check;
ALTER TABLE namespaces ADD CONSTRAINT namespaces_kind_check CHECK (kind IN ('user', 'organization', 'cache'));

-- Caches made through the API (those from settings live in the settings). The upstream password is
-- sealed with the key-encryption key when one is configured (dev.wharf.server.secrets.SecretSealer).
CREATE TABLE proxy_caches (
    name            text COLLATE "C" PRIMARY KEY REFERENCES namespaces (name) ON DELETE CASCADE,
    url             text NOT NULL,
    username        text,
    password        text,
    tag_ttl_seconds bigint NOT NULL,
    max_bytes       bigint NOT NULL DEFAULT 0,
    library_prefix  boolean NOT NULL,
    public          boolean NOT NULL DEFAULT false,
    created_by      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- When each cached tag was last confirmed with the upstream: it is served without asking again
-- until its cache's tag TTL has passed. Goes with the tag.
CREATE TABLE proxy_tags (
    repository_id bigint NOT NULL,
    tag           text COLLATE "C" NOT NULL,
    checked_at    timestamptz NOT NULL,
    PRIMARY KEY (repository_id, tag),
    FOREIGN KEY (repository_id, tag) REFERENCES tags (repository_id, name) ON DELETE CASCADE
);

-- When each cached manifest was last pulled (written every few seconds from each replica's
-- memory): eviction takes the least recently pulled first. Goes with the manifest.
CREATE TABLE proxy_pulls (
    repository_id  bigint NOT NULL,
    digest         text COLLATE "C" NOT NULL,
    last_pulled_at timestamptz NOT NULL,
    PRIMARY KEY (repository_id, digest),
    FOREIGN KEY (repository_id, digest) REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
);

-- Replication rules. direction 'push' copies local repositories matching the pattern to the
-- target (named target_prefix + name); 'pull' copies the target's repositories matching it into
-- local ones named target_prefix + name. The target's password is sealed like a cache's.
CREATE TABLE replication_rules (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text COLLATE "C" NOT NULL UNIQUE,
    repositories       text NOT NULL,
    target_url         text NOT NULL,
    target_username    text,
    target_password    text,
    target_prefix      text NOT NULL DEFAULT '',
    trigger_type       text NOT NULL CHECK (trigger_type IN ('on-push', 'schedule', 'manual')),
    schedule_seconds   bigint,
    next_run_at        timestamptz,
    propagate_deletes  boolean NOT NULL DEFAULT false,
    direction          text NOT NULL CHECK (direction IN ('push', 'pull')),
    enabled            boolean NOT NULL DEFAULT true,
    created_by         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    last_run_at        timestamptz,
    last_success_at    timestamptz,
    last_failure_at    timestamptz,
    last_error         text,
    CHECK ((trigger_type = 'schedule') = (schedule_seconds IS NOT NULL))
);
CREATE INDEX replication_rules_scheduled ON replication_rules (next_run_at) WHERE trigger_type = 'schedule';

-- What there is to copy or delete, one row per (rule, repository, reference, kind) while pending:
-- written by the event subscriber in the transaction that dispatches the push or delete, or by a
-- full sync. Workers on any replica claim due rows with FOR UPDATE SKIP LOCKED, moving
-- next_attempt_at a lease ahead, and record the outcome only while the attempt is still theirs.
CREATE TABLE replication_tasks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id         bigint NOT NULL REFERENCES replication_rules (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('copy', 'delete-tag', 'delete-manifest', 'sync')),
    repository      text COLLATE "C" NOT NULL DEFAULT '',
    reference       text COLLATE "C" NOT NULL DEFAULT '',
    event_id        bigint,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    enqueued_at     timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_error      text,
    finished_at     timestamptz
);
CREATE UNIQUE INDEX replication_tasks_pending ON replication_tasks (rule_id, kind, repository, reference)
    WHERE state = 'pending';
CREATE INDEX replication_tasks_due ON replication_tasks (next_attempt_at) WHERE state = 'pending';
CREATE INDEX replication_tasks_by_rule ON replication_tasks (rule_id, id);
