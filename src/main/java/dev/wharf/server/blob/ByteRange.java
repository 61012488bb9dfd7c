package dev.wharf.server.blob;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A single byte range of a {@code Range: bytes=...} request header, resolved against a blob's size.
 *
 * @param start first byte (inclusive)
 * @param end   last byte (inclusive)
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9110#section-14">RFC 9110, section 14</a>
 */
record ByteRange(long start, long end) {

    private static final Pattern SINGLE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    /** Thrown when the header asks for bytes the blob does not have. */
    static final class Unsatisfiable extends Exception {
        Unsatisfiable(String message) {
            super(message, null, false, false);
        }
    }

    long length() {
        return end - start + 1;
    }

    /**
     * Resolves the header.
     *
     * @return the range, or null when the whole blob should be sent: no header, a header with
     *         several ranges, or one that cannot be parsed (RFC 9110 lets a server ignore those)
     * @throws Unsatisfiable when the single range lies outside the blob, ends before it starts, or
     *         has a position beyond 2^63 - 1: a client asking for those gets 416, never the whole blob
     */
    static ByteRange parse(String header, long size) throws Unsatisfiable {
        if (header == null) {
            return null;
        }
        Matcher m = SINGLE.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return null;
        }
        try {
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                if (suffix == 0 || size == 0) {
                    throw new Unsatisfiable("suffix range of " + suffix + " bytes on a " + size + "-byte blob");
                }
                return new ByteRange(Math.max(0, size - suffix), size - 1);
            }
            long start = Long.parseLong(m.group(1));
            long last = m.group(2).isEmpty() ? Long.MAX_VALUE : Long.parseLong(m.group(2));
            if (last < start) {
                throw new Unsatisfiable("range ends at " + last + ", before its start " + start);
            }
            if (start >= size) {
                throw new Unsatisfiable("range starts at " + start + ", the blob has " + size + " bytes");
            }
            return new ByteRange(start, Math.min(last, size - 1));
        } catch (NumberFormatException e) {
            // the pattern admits digits only: this is a position beyond what any blob can have
            throw new Unsatisfiable("range position beyond 2^63 - 1");
        }
    }
}
