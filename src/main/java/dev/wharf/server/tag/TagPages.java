package dev.wharf.server.tag;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tag-list pages this replica has read, each with the repository's id and the version of its tag
 * list (V10's {@code tag_list_versions}, changed in the transaction of every tag added or removed)
 * that the same query read. {@link Tags#page} serves a page again only when its query finds that
 * id and version unchanged, so a page is never stale, whichever replica changed the tags. Bounded
 * by the names held, least recently used out first. Thread-safe.
 */
final class TagPages {

    /** A page as read: the repository's id and tag-list version, and the names. */
    record Page(long repositoryId, long version, List<String> names) {
    }

    /** Which page: the repository's name, the last name before it ("" for the first) and the limit. */
    record Key(String repository, String last, int limit) {
    }

    private final int maxNames;
    private final int maxPages;
    private final LinkedHashMap<Key, Page> pages = new LinkedHashMap<>(64, 0.75f, true);
    private long names;

    /**
     * @param maxNames the most names held over all pages (a page of more is not kept)
     * @param maxPages the most pages held
     */
    TagPages(int maxNames, int maxPages) {
        this.maxNames = maxNames;
        this.maxPages = maxPages;
    }

    /** The page last kept for {@code key}, or null. */
    synchronized Page get(Key key) {
        return pages.get(key);
    }

    /** Keeps {@code page} for {@code key}, replacing what was kept, and evicts the least recently used beyond the bounds. */
    synchronized void put(Key key, Page page) {
        if (page.names().size() > maxNames) {
            remove(key);
            return;
        }
        Page old = pages.put(key, page);
        names += page.names().size() - (old == null ? 0 : old.names().size());
        Iterator<Map.Entry<Key, Page>> eldest = pages.entrySet().iterator();
        while ((names > maxNames || pages.size() > maxPages) && eldest.hasNext()) {
            Map.Entry<Key, Page> e = eldest.next();
            names -= e.getValue().names().size();
            eldest.remove();
        }
    }

    private void remove(Key key) {
        Page old = pages.remove(key);
        if (old != null) {
            names -= old.names().size();
        }
    }

    /** How many names the pages kept hold. */
    synchronized long names() {
        return names;
    }

    /** How many pages are kept. */
    synchronized int size() {
        return pages.size();
    }
}
