-- Quotas, immutable tags and retention per namespace (issue 8, second half).
--
-- namespace_policies: one row per namespace that has a policy or holds content. Keyed by the name
-- (the first path component of a repository name), not a foreign key: with auth disabled there are
-- no namespace rows. A deleted user or organization's row goes with its content (NamespaceContents).
--
-- Usage is exact: namespace_digests counts, per (namespace, digest), the repository -> blob links and
-- manifests of the namespace's repositories that have that digest. The size is added to used_bytes
-- when the count goes 0 -> 1 and taken away when it goes 1 -> 0, in the transaction that makes the
-- change, by the triggers below: links and manifests also go by ON DELETE CASCADE (a repository's
-- deletion), which no Java statement sees. Every trigger locks the namespace's row first (a
-- per-namespace counter: it serializes the commits of links and manifests within one namespace,
-- never across namespaces), then the digest's count, so two of them never wait for each other in
-- opposite orders.
--
-- A 0 -> 1 change that takes used_bytes above quota_bytes raises SQLSTATE WQ001, whose message is
-- the namespace and whose detail is "quota used needed" (bytes): the push is refused (403 DENIED)
-- and its transaction rolls back. Nothing else ever fails for the quota: decrements always work.

CREATE TABLE namespace_policies (
    namespace      text COLLATE "C" PRIMARY KEY,
    quota_bytes    bigint CHECK (quota_bytes >= 0),
    used_bytes     bigint NOT NULL DEFAULT 0,
    immutable_tags text[] NOT NULL DEFAULT '{}',
    retention      jsonb NOT NULL DEFAULT '[]',
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE namespace_digests (
    namespace text COLLATE "C" NOT NULL,
    digest    text COLLATE "C" NOT NULL,
    refs      bigint NOT NULL CHECK (refs > 0),
    size      bigint NOT NULL,
    PRIMARY KEY (namespace, digest)
);

-- Jobs one replica at a time runs on a schedule (retention), taken with a conditional UPDATE.
INSERT INTO gc_jobs (name, last_started_at) VALUES ('retention', now());

CREATE FUNCTION wharf_namespace_of(repository bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT split_part(name, '/', 1) FROM repositories WHERE id = repository
$$;

-- Adds (delta = 1) or removes (delta = -1) one reference of digest in namespace ns.
CREATE FUNCTION wharf_count_reference(ns text, d text, s bigint, delta int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    used bigint;
    quota bigint;
BEGIN
    -- the namespace's row first (lock order: namespace, then digest)
    PERFORM 1 FROM namespace_policies WHERE namespace = ns FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        INSERT INTO namespace_policies (namespace) VALUES (ns) ON CONFLICT DO NOTHING;
        PERFORM 1 FROM namespace_policies WHERE namespace = ns FOR NO KEY UPDATE;
    END IF;
    IF delta > 0 THEN
        INSERT INTO namespace_digests (namespace, digest, refs, size) VALUES (ns, d, 1, s)
        ON CONFLICT (namespace, digest) DO UPDATE SET refs = namespace_digests.refs + 1
        RETURNING refs INTO n;
        IF n = 1 THEN
            UPDATE namespace_policies SET used_bytes = used_bytes + s WHERE namespace = ns
            RETURNING used_bytes, quota_bytes INTO used, quota;
            IF quota IS NOT NULL AND used > quota THEN
                RAISE EXCEPTION USING ERRCODE = 'WQ001', MESSAGE = ns,
                    DETAIL = quota || ' ' || (used - s) || ' ' || s;
            END IF;
        END IF;
    ELSE
        UPDATE namespace_digests SET refs = refs - 1 WHERE namespace = ns AND digest = d AND refs > 1
        RETURNING refs INTO n;
        IF NOT FOUND THEN
            DELETE FROM namespace_digests WHERE namespace = ns AND digest = d RETURNING size INTO s;
            IF FOUND THEN
                UPDATE namespace_policies SET used_bytes = used_bytes - s WHERE namespace = ns;
            END IF;
        END IF;
    END IF;
END
$$;

CREATE FUNCTION wharf_count_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ns text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        ns := wharf_namespace_of(NEW.repository_id);
        PERFORM wharf_count_reference(ns, NEW.digest, (SELECT size FROM blobs WHERE digest = NEW.digest), 1);
    ELSE
        ns := wharf_namespace_of(OLD.repository_id);
        -- NULL: the repository is being deleted, and its trigger counted everything it held
        IF ns IS NOT NULL THEN
            PERFORM wharf_count_reference(ns, OLD.digest, 0, -1);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION wharf_count_manifest() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ns text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        ns := wharf_namespace_of(NEW.repository_id);
        PERFORM wharf_count_reference(ns, NEW.digest, octet_length(NEW.content), 1);
    ELSE
        ns := wharf_namespace_of(OLD.repository_id);
        IF ns IS NOT NULL THEN
            PERFORM wharf_count_reference(ns, OLD.digest, 0, -1);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- A repository's deletion removes all its references at once, before the cascade (whose row
-- triggers then find the repository gone and count nothing).
CREATE FUNCTION wharf_count_repository_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ns text := split_part(OLD.name, '/', 1);
    emptied text[];
BEGIN
    PERFORM 1 FROM namespace_policies WHERE namespace = ns FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN OLD;
    END IF;
    WITH held AS (
        SELECT digest, count(*) AS n FROM (
            SELECT digest FROM repository_blobs WHERE repository_id = OLD.id
            UNION ALL
            SELECT digest FROM manifests WHERE repository_id = OLD.id) r
        GROUP BY digest),
    counted AS (
        UPDATE namespace_digests d SET refs = d.refs - h.n FROM held h
        WHERE d.namespace = ns AND d.digest = h.digest AND d.refs > h.n
        RETURNING d.digest)
    SELECT array_agg(h.digest) INTO emptied FROM held h
    WHERE NOT EXISTS (SELECT 1 FROM counted c WHERE c.digest = h.digest);
    IF emptied IS NOT NULL THEN
        WITH gone AS (
            DELETE FROM namespace_digests WHERE namespace = ns AND digest = ANY(emptied) RETURNING size)
        UPDATE namespace_policies SET used_bytes = used_bytes - (SELECT coalesce(sum(size), 0) FROM gone)
        WHERE namespace = ns;
    END IF;
    RETURN OLD;
END
$$;

CREATE TRIGGER repository_blobs_usage AFTER INSERT OR DELETE ON repository_blobs
    FOR EACH ROW EXECUTE FUNCTION wharf_count_link();
CREATE TRIGGER manifests_usage AFTER INSERT OR DELETE ON manifests
    FOR EACH ROW EXECUTE FUNCTION wharf_count_manifest();
CREATE TRIGGER repositories_usage BEFORE DELETE ON repositories
    FOR EACH ROW EXECUTE FUNCTION wharf_count_repository_deletion();

-- What the registry held before this migration.
INSERT INTO namespace_digests (namespace, digest, refs, size)
SELECT ns, digest, count(*), max(size) FROM (
    SELECT split_part(r.name, '/', 1) AS ns, rb.digest, b.size
    FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id JOIN blobs b ON b.digest = rb.digest
    UNION ALL
    SELECT split_part(r.name, '/', 1), m.digest, octet_length(m.content)
    FROM manifests m JOIN repositories r ON r.id = m.repository_id) x
GROUP BY ns, digest;

INSERT INTO namespace_policies (namespace, used_bytes)
SELECT namespace, sum(size) FROM namespace_digests GROUP BY namespace;
