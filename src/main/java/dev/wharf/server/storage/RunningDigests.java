package dev.wharf.server.storage;

import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running digests of uploads this replica appended to last, so that the next chunk arriving here
 * continues hashing where the previous one stopped. A cache, never the only copy: when an entry is
 * missing or stale (another replica appended since), the writer rebuilds the digest from the stored
 * bytes. Each entry is keyed by upload id and the size it covers.
 */
public final class RunningDigests {

    private record Entry(long size, MessageDigest digest) {
    }

    private final Map<String, Entry> entries;
    private final java.util.concurrent.atomic.AtomicLong rehashes = new java.util.concurrent.atomic.AtomicLong();

    public RunningDigests(int capacity) {
        this.entries = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Removes and returns the digest of upload {@code id} if it covers exactly {@code size} bytes. */
    public synchronized MessageDigest take(String id, long size) {
        Entry e = entries.remove(id);
        return e != null && e.size == size ? e.digest : null;
    }

    public synchronized void put(String id, long size, MessageDigest digest) {
        entries.put(id, new Entry(size, digest));
    }

    public synchronized void remove(String id) {
        entries.remove(id);
    }

    /** Counts a digest rebuilt from stored bytes (the cache had no usable entry). */
    void countRehash() {
        rehashes.incrementAndGet();
    }

    /** How many digests were rebuilt from stored bytes since start. */
    public long rehashes() {
        return rehashes.get();
    }
}
