package dev.wharf.server.storage;

import java.io.IOException;

/**
 * The blob store could not be reached or did not answer in time (refused or reset connections,
 * timeouts, the service's own 5xx): a fault of something the registry depends on, not of the
 * request, which may succeed when tried again. Nothing was published by the failed operation.
 */
public class StorageUnavailableException extends IOException {

    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
