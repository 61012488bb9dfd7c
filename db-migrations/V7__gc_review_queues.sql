-- Online garbage collection (issue 8): review queues.
--
-- Whoever removes or adds a reference that may leave something unreferenced queues a review of it,
-- in the same statement or transaction as the change:
--   gc_manifest_reviews  a manifest that may have lost its last tag, parent index or living subject
--   gc_link_reviews      a repository -> blob link that may no longer be used by a manifest of its
--                        repository (also every new link: an upload whose manifest never came)
--   gc_blob_reviews      a blob row that may have lost its last link
-- A review is due wharf.gc.review-delay after queued_at (by PostgreSQL's clock; the delay is the
-- collector's setting, so queueing needs none). Queueing an existing review postpones it:
-- queued_at = GREATEST(queued_at, now()). Workers claim due reviews with FOR UPDATE SKIP LOCKED and
-- delete the review row in the transaction that acts on it, so a failed review comes back.
-- attempts counts failed reviews; a failed review is retried after a short backoff.

CREATE TABLE gc_manifest_reviews (
    repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest        text COLLATE "C" NOT NULL,
    queued_at     timestamptz NOT NULL DEFAULT now(),
    attempts      int NOT NULL DEFAULT 0,
    PRIMARY KEY (repository_id, digest)
);
CREATE INDEX gc_manifest_reviews_by_queued ON gc_manifest_reviews (queued_at);

CREATE TABLE gc_link_reviews (
    repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest        text COLLATE "C" NOT NULL,
    queued_at     timestamptz NOT NULL DEFAULT now(),
    attempts      int NOT NULL DEFAULT 0,
    PRIMARY KEY (repository_id, digest)
);
CREATE INDEX gc_link_reviews_by_queued ON gc_link_reviews (queued_at);

CREATE TABLE gc_blob_reviews (
    digest    text COLLATE "C" PRIMARY KEY,
    queued_at timestamptz NOT NULL DEFAULT now(),
    attempts  int NOT NULL DEFAULT 0
);
CREATE INDEX gc_blob_reviews_by_queued ON gc_blob_reviews (queued_at);

-- Jobs that one replica at a time runs on a schedule (the inventory sweep): a replica takes a run
-- by moving last_started_at forward with a conditional UPDATE.
CREATE TABLE gc_jobs (
    name            text PRIMARY KEY,
    last_started_at timestamptz NOT NULL
);
INSERT INTO gc_jobs (name, last_started_at) VALUES ('inventory', now());

-- What a registry held before this migration was never queued: queue what may be unreferenced
-- now (due one review delay from the upgrade).
INSERT INTO gc_manifest_reviews (repository_id, digest)
SELECT m.repository_id, m.digest FROM manifests m
WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id);

INSERT INTO gc_link_reviews (repository_id, digest)
SELECT rb.repository_id, rb.digest FROM repository_blobs rb
WHERE NOT EXISTS (SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
                  WHERE mb.digest = rb.digest AND m.repository_id = rb.repository_id);

INSERT INTO gc_blob_reviews (digest)
SELECT b.digest FROM blobs b
WHERE NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest);
