package dev.wharf.client.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class GzipCompressingStreamTests {

    private static byte[] gzip(byte[] data, int level) throws IOException {
        try (InputStream in = new GzipCompressingStream(new ByteArrayInputStream(data), level)) {
            return in.readAllBytes();
        }
    }

    private static byte[] gunzip(byte[] data) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }

    @Test
    void compressibleDataShrinksAndDecompressesToTheSameBytes() throws IOException {
        byte[] text = "the same line again and again\n".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        byte[] compressed = gzip(text, 1);
        assertThat(compressed.length).isLessThan(text.length / 20);
        assertThat(gunzip(compressed)).isEqualTo(text);
    }

    @Test
    void incompressibleDataIsStoredNearlyAsIsAndStillValidGzip() throws IOException {
        byte[] random = TestData.random(3 * 1024 * 1024 + 12_345);
        byte[] compressed = gzip(random, 6);
        assertThat(compressed.length).isBetween(random.length, random.length + random.length / 500);
        assertThat(gunzip(compressed)).isEqualTo(random);
    }

    @Test
    void mixedDataAndEmptyInputRoundTrip() throws IOException {
        byte[] mixed = new byte[3 * 1024 * 1024];
        System.arraycopy(TestData.random(1024 * 1024), 0, mixed, 1024 * 1024, 1024 * 1024);
        assertThat(gunzip(gzip(mixed, 1))).isEqualTo(mixed);
        assertThat(gunzip(gzip(new byte[0], 1))).isEmpty();
    }

    @Test
    void theSameInputAlwaysGivesTheSameBytes() throws IOException {
        byte[] data = TestData.random(2 * 1024 * 1024);
        System.arraycopy(new byte[500_000], 0, data, 0, 500_000);
        assertThat(gzip(data, 1)).isEqualTo(gzip(data, 1));
    }
}
