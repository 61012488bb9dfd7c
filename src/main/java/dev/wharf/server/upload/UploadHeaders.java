package dev.wharf.server.upload;

/** Header values of upload responses. */
final class UploadHeaders {

    private UploadHeaders() {
    }

    /**
     * The {@code Range} of a session holding {@code size} bytes: {@code 0-<last byte>}. An empty
     * session reports {@code 0-0}, as distribution does and as clients expect.
     */
    static String range(long size) {
        return "0-" + Math.max(0, size - 1);
    }
}
