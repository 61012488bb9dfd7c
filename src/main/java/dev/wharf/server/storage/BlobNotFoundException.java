package dev.wharf.server.storage;

import dev.wharf.oci.Digest;
import java.io.IOException;

/** The store does not hold the blob that was asked for. */
public class BlobNotFoundException extends IOException {

    public BlobNotFoundException(Digest digest) {
        super("blob not in storage: " + digest);
    }
}
