package dev.wharf.testing;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** Unique names and random content for tests that share a registry. */
public final class TestData {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestData() {
    }

    public static byte[] random(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    /** A repository name no other test uses, e.g. {@code test/blobs-7-k3j}. */
    public static String repository(String prefix) {
        return "test/" + prefix + "-" + COUNTER.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 46656, 36);
    }
}
