-- The version of each repository's tag list: changed by every statement that adds or removes one
-- of its tags, in that statement's transaction (a tag that moves to another manifest keeps its
-- name, and the list). A replica keeps the tag-list pages it has read with the version it read in
-- the same query, and serves one again only while a fresh query finds that version unchanged: a
-- cached page is never stale, whichever replica changed the tags. A repository without a row has
-- version 0; its deletion takes the row with it, and a new repository of the same name has
-- another id.
CREATE TABLE tag_list_versions (
    repository_id bigint PRIMARY KEY REFERENCES repositories (id) ON DELETE CASCADE,
    version       bigint NOT NULL
);

-- Statement triggers: one row lock per repository and statement, not per tag. A repository being
-- deleted (the tags' cascade) is skipped: its row goes with it.
CREATE FUNCTION wharf_tag_list_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tag_list_versions (repository_id, version)
    SELECT DISTINCT c.repository_id, 1 FROM changed c
    WHERE EXISTS (SELECT 1 FROM repositories r WHERE r.id = c.repository_id)
    ON CONFLICT (repository_id) DO UPDATE SET version = tag_list_versions.version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER tags_list_added AFTER INSERT ON tags REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION wharf_tag_list_changed();
CREATE TRIGGER tags_list_removed AFTER DELETE ON tags REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION wharf_tag_list_changed();
