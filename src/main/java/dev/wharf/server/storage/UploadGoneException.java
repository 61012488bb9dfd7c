package dev.wharf.server.storage;

import java.io.IOException;

/**
 * The data of an upload is gone or unreadable (cancelled, purged, or left by an older version with
 * another layout): the session cannot continue and the client must start the upload again.
 */
public class UploadGoneException extends IOException {

    public UploadGoneException(String message) {
        super(message);
    }
}
