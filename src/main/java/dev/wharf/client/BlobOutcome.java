package dev.wharf.client;

/** What became of one blob in a transfer. */
public enum BlobOutcome {
    /** The bytes were sent (or received). */
    TRANSFERRED,
    /** The destination had it already. */
    EXISTS,
    /** The registry linked it from another repository without a transfer. */
    MOUNTED
}
