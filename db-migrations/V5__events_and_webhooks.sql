-- Events (issue 9): the outbox and the audit log in one table. A change worth telling anyone about
-- (a push, a delete, a tag move, a sign-in, a robot made ...) is a row written in the transaction
-- that makes the change, so nothing is published before it commits and nothing committed is lost.
-- The dispatcher (any replica) hands each row to its subscribers once -- webhooks today,
-- replication later -- and marks it dispatched; rows are deleted after wharf.events.retention.
CREATE TABLE events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    type           text COLLATE "C" NOT NULL,
    outcome        text NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'denied', 'failure')),
    -- who: an account, "<namespace>+<robot>", or null (anonymous, the server itself)
    actor          text COLLATE "C",
    actor_kind     text NOT NULL,
    client_address text,
    request_id     text,
    namespace      text COLLATE "C",
    repository     text COLLATE "C",
    -- what it was done to, in the type's terms: a tag, a digest, an account or robot name
    target         text,
    data           jsonb NOT NULL DEFAULT '{}',
    dispatched     boolean NOT NULL DEFAULT false
);
CREATE INDEX events_to_dispatch ON events (id) WHERE NOT dispatched;
CREATE INDEX events_by_namespace ON events (namespace, id) WHERE namespace IS NOT NULL;
CREATE INDEX events_by_time ON events (occurred_at);

-- A namespace's webhooks. The secret is sealed with the key-encryption key when one is configured
-- (the same stored forms as signing_keys.jwk, with "clear:<secret>" in clear).
CREATE TABLE webhooks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id    text COLLATE "C" NOT NULL UNIQUE,
    namespace    text COLLATE "C" NOT NULL REFERENCES namespaces (name) ON DELETE CASCADE,
    url          text NOT NULL,
    event_types  text[] NOT NULL,
    -- a repository pattern within the namespace (dev.wharf.server.auth.Scope); null: all of them
    repositories text,
    secret       text NOT NULL,
    enabled      boolean NOT NULL DEFAULT true,
    description  text,
    created_by   text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_by_namespace ON webhooks (namespace);

-- One row per (webhook, event) to deliver. An attempt is claimed by pushing next_attempt_at a lease
-- ahead, so a replica that dies mid-attempt leaves the delivery to be retried.
CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_status     int,
    last_error      text,
    delivered_at    timestamptz,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);
