package dev.wharf.server.upload;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Content-Range} of a chunk: {@code <start>-<end>}, inclusive on both ends. The spec's
 * form is bare; the RFC 9110 form {@code bytes <start>-<end>/<total>} some clients send is accepted
 * too.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-a-blob-in-chunks">spec: chunked upload</a>
 */
record ChunkRange(long start, long end) {

    private static final Pattern FORM = Pattern.compile("(?:bytes[ =])?(\\d{1,18})-(\\d{1,18})(?:/(?:\\d+|\\*))?");

    /** Parses the header; null when absent. */
    static ChunkRange parse(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        Matcher m = FORM.matcher(header.trim());
        if (!m.matches()) {
            throw new OciException(OciErrorCode.BLOB_UPLOAD_INVALID, "malformed Content-Range: " + header);
        }
        long start = Long.parseLong(m.group(1));
        long end = Long.parseLong(m.group(2));
        if (end < start) {
            throw new OciException(OciErrorCode.BLOB_UPLOAD_INVALID, "Content-Range ends before it starts: " + header);
        }
        return new ChunkRange(start, end);
    }

    long length() {
        return end - start + 1;
    }
}
