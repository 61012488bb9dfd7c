package dev.wharf.server.storage;

import java.io.IOException;
import java.util.UUID;

/**
 * What keeps a writer that lost its upload session from damaging it. Upload sessions are leased in
 * PostgreSQL; a writer whose lease lapsed (a stalled request, a paused JVM) may still be running
 * when another request takes the session over. Stores make that harmless in two ways:
 * <ul>
 *   <li>every writer stores its bytes under its own {@link #tag()} (a new segment, new part and
 *       tail objects), never over what the session's recorded state points at; so whatever a lost
 *       writer does later lands in objects nobody reads, removed with the upload. A writer continues
 *       the last recorded segment in place only when {@link #continuesInPlace()} says every writer
 *       before it finished cleanly;</li>
 *   <li>{@link #check()} runs before every write to storage and before publishing, and fails once the
 *       writer can no longer be sure it holds the lease (it renews the lease when due).</li>
 * </ul>
 */
public interface WriteFence {

    /** Unique among the writers of one upload: names what this writer stores ({@code [a-z0-9]+}). */
    String tag();

    /**
     * True when every earlier writer of the upload finished cleanly (none lost the lease), so the
     * last recorded segment may be appended to in place.
     */
    boolean continuesInPlace();

    /**
     * Called before each write to storage and before publishing.
     *
     * @throws IOException when the writer lost the upload and must not touch storage again
     */
    void check() throws IOException;

    /** A writer with the upload to itself (monolithic uploads, tests): a fresh tag, no lease. */
    static WriteFence exclusive() {
        return fixed(UUID.randomUUID().toString().replace("-", "").substring(0, 16), true);
    }

    /** A fence without a lease: {@code check()} always passes. */
    static WriteFence fixed(String tag, boolean continuesInPlace) {
        record Fixed(String tag, boolean continuesInPlace) implements WriteFence {
            @Override
            public void check() {
            }
        }
        return new Fixed(tag, continuesInPlace);
    }
}
