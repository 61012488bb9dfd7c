-- Accounts, namespaces and token auth (issue 4).
--
-- Users and organizations share one name space: a repository's first path component names either
-- a user or an organization, never both. The namespaces table is what makes that so (one primary key
-- over both kinds); users and organizations each point at their row.
--
-- Secrets are never stored: passwords as PasswordEncoder hashes (bcrypt), personal access tokens,
-- robot secrets and refresh tokens as SHA-256 of a high-entropy random secret, looked up by a public
-- id that is part of the secret's text (wharf_pat_<id>_..., wharf_rbt_<id>_..., wharf_rt_<id>_...).

CREATE TABLE namespaces (
    name       text COLLATE "C" PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('user', 'organization')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text COLLATE "C" NOT NULL UNIQUE REFERENCES namespaces (name) ON DELETE CASCADE,
    password_hash text NOT NULL,
    admin         boolean NOT NULL DEFAULT false,
    enabled       boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organizations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text COLLATE "C" NOT NULL UNIQUE REFERENCES namespaces (name) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- owner: everything in the namespace, including members, robots and visibility;
-- maintainer: pull, push, delete; reader: pull.
CREATE TABLE memberships (
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('owner', 'maintainer', 'reader')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

-- Scopes (robots and personal access tokens) are "pattern:actions" entries separated by spaces,
-- e.g. "acme/app:pull,push acme/tools/*:pull"; see dev.wharf.server.auth.Scope.

-- CI robot accounts: log in as "<namespace>+<name>" with a secret that expires and can be rotated.
CREATE TABLE robots (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id         text COLLATE "C" NOT NULL UNIQUE,
    namespace         text COLLATE "C" NOT NULL REFERENCES namespaces (name) ON DELETE CASCADE,
    name              text COLLATE "C" NOT NULL,
    description       text,
    scopes            text NOT NULL,
    secret_hash       bytea NOT NULL,
    secret_expires_at timestamptz,
    secret_rotated_at timestamptz NOT NULL DEFAULT now(),
    last_used_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (namespace, name)
);

-- Personal access tokens: usable as the password of their user, limited to their scopes.
CREATE TABLE access_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id    text COLLATE "C" NOT NULL UNIQUE,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    scopes       text NOT NULL,
    api          boolean NOT NULL DEFAULT false,
    secret_hash  bytea NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_tokens_by_user ON access_tokens (user_id);

-- OAuth2 refresh tokens (docker keeps them as its "identitytoken"): bound to the credential that
-- obtained them, so deleting a user, a token or a robot, or rotating a robot's secret, ends them.
CREATE TABLE refresh_tokens (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id       text COLLATE "C" NOT NULL UNIQUE,
    secret_hash     bytea NOT NULL,
    service         text NOT NULL,
    user_id         bigint REFERENCES users (id) ON DELETE CASCADE,
    access_token_id bigint REFERENCES access_tokens (id) ON DELETE CASCADE,
    robot_id        bigint REFERENCES robots (id) ON DELETE CASCADE,
    robot_rotated_at timestamptz,
    expires_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(user_id, robot_id) = 1)
);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

-- Repositories are private unless made public. Keyed by name, not by repositories.id: a
-- repository is created by its first push, and its visibility must be settable before that.
CREATE TABLE repository_visibility (
    name       text COLLATE "C" PRIMARY KEY,
    public     boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Token signing keys, shared by every replica. The newest active key signs; a retired key still
-- verifies until retired_at + wharf.auth.key-grace.
CREATE TABLE signing_keys (
    kid        text COLLATE "C" PRIMARY KEY,
    algorithm  text NOT NULL,
    jwk        text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz
);

-- Who started an upload: a push authorized at its start may finish with that principal's token
-- even when it expired meanwhile (within wharf.auth.upload-grace).
ALTER TABLE upload_sessions ADD COLUMN created_by text;
