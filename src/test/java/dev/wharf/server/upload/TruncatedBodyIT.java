package dev.wharf.server.upload;

import static dev.wharf.testing.Responses.header;
import static dev.wharf.testing.Responses.location;
import static dev.wharf.testing.Responses.withQuery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RawHttp;
import dev.wharf.testing.RawHttp.Ending;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that announces {@code Content-Length: N}, sends fewer bytes and hangs up must leave
 * nothing half-written visible: an upload session stays where it stood and no blob appears, neither
 * under the digest the client named nor under the digest of the bytes that did arrive.
 */
class TruncatedBodyIT {

    private static final int ANNOUNCED = 64 * 1024;
    private static final int SENT = 20_000;
    private static final String OCTETS = "application/octet-stream";

    private final URI base = RegistryServer.shared().base();
    private final RegistryHttp http = new RegistryHttp(base);

    private String start(String repository) {
        HttpResponse<byte[]> response = http.post("/v2/" + repository + "/blobs/uploads/", new byte[0]);
        RegistryHttp.check(response, 202);
        return location(response);
    }

    /** The request target (path and query) of a location that may be absolute. */
    private static String target(String location) {
        if (!location.startsWith("http")) {
            return location;
        }
        URI uri = URI.create(location);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private void assertNotServed(String repository, Digest digest) {
        assertThat(http.head("/v2/" + repository + "/blobs/" + digest).statusCode())
                .as("HEAD of %s in %s", digest, repository).isEqualTo(404);
    }

    private static void assertNoSuccess(OptionalInt status) {
        // the server may drop the connection without an answer; if it answers, it is no success and no 500
        status.ifPresent(s -> assertThat(s).as("status answered to a truncated body").isBetween(400, 499));
    }

    /**
     * Continues the session at {@code offset} with {@code rest}. While the truncated request may
     * still hold the session, the server answers 416 with the Range it stands at; that must never
     * be anything but where the session stood before the truncated request.
     */
    private HttpResponse<byte[]> continueAt(String location, long offset, byte[] rest) throws InterruptedException {
        String expectedRange = offset == 0 ? "0-0" : "0-" + (offset - 1);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            HttpResponse<byte[]> response = http.patch(location, rest, "Content-Type", OCTETS,
                    "Content-Range", offset + "-" + (offset + rest.length - 1));
            if (response.statusCode() != 416) {
                return response;
            }
            assertThat(header(response, "Range")).as("where the session stands after a truncated chunk")
                    .isEqualTo(expectedRange);
            assertThat(System.nanoTime()).as("the session is still busy 20 s after the client left").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void truncatedChunkWithContentRangeLeavesTheSessionWhereItStood(Ending ending) throws Exception {
        String repo = TestData.repository("truncated");
        byte[] first = TestData.random(1000);
        byte[] second = TestData.random(ANNOUNCED);
        String location = start(repo);
        RegistryHttp.check(http.patch(location, first, "Content-Type", OCTETS, "Content-Range", "0-999"), 202);

        OptionalInt status = RawHttp.truncated(base, "PATCH", target(location), ANNOUNCED,
                Arrays.copyOf(second, SENT), ending, "Content-Type", OCTETS,
                "Content-Range", "1000-" + (1000 + ANNOUNCED - 1));

        assertNoSuccess(status);
        HttpResponse<byte[]> resumed = continueAt(location, 1000, second);
        assertThat(resumed.statusCode()).isEqualTo(202);
        byte[] all = concat(first, second);
        RegistryHttp.check(http.put(withQuery(location(resumed), "digest=" + Digest.sha256(all)), new byte[0]), 201);
        assertThat(http.get("/v2/" + repo + "/blobs/" + Digest.sha256(all)).body()).isEqualTo(all);
    }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void truncatedStreamedChunkLeavesTheSessionEmpty(Ending ending) throws Exception {
        String repo = TestData.repository("truncated");
        byte[] content = TestData.random(ANNOUNCED);
        String location = start(repo);

        OptionalInt status = RawHttp.truncated(base, "PATCH", target(location), ANNOUNCED,
                Arrays.copyOf(content, SENT), ending, "Content-Type", OCTETS);

        assertNoSuccess(status);
        HttpResponse<byte[]> resumed = continueAt(location, 0, content);
        assertThat(resumed.statusCode()).isEqualTo(202);
        assertThat(header(resumed, "Range")).isEqualTo("0-" + (ANNOUNCED - 1));
    }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void truncatedClosingPutPublishesNothing(Ending ending) throws Exception {
        String repo = TestData.repository("truncated");
        byte[] first = TestData.random(1000);
        byte[] last = TestData.random(ANNOUNCED);
        String location = start(repo);
        RegistryHttp.check(http.patch(location, first, "Content-Type", OCTETS, "Content-Range", "0-999"), 202);
        // the digest of what will actually arrive, so that only the length can give the truncation away
        Digest arrived = Digest.sha256(concat(first, Arrays.copyOf(last, SENT)));

        OptionalInt status = RawHttp.truncated(base, "PUT", target(withQuery(location, "digest=" + arrived)),
                ANNOUNCED, Arrays.copyOf(last, SENT), ending, "Content-Type", OCTETS);

        assertNoSuccess(status);
        HttpResponse<byte[]> resumed = continueAt(location, 1000, last);
        assertThat(resumed.statusCode()).isEqualTo(202);
        assertNotServed(repo, arrived);
        assertNotServed(repo, Digest.sha256(concat(first, last)));
    }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void truncatedMonolithicPostPublishesNothing(Ending ending) throws Exception {
        String repo = TestData.repository("truncated");
        http.pushBlob(repo, TestData.random(10));
        byte[] content = TestData.random(ANNOUNCED);
        byte[] arrivedBytes = Arrays.copyOf(content, SENT);
        Digest full = Digest.sha256(content);
        Digest arrived = Digest.sha256(arrivedBytes);

        // once naming the whole blob's digest, once the digest of the bytes that do arrive
        for (Digest named : new Digest[] {full, arrived}) {
            OptionalInt status = RawHttp.truncated(base, "POST", "/v2/" + repo + "/blobs/uploads/?digest=" + named,
                    ANNOUNCED, arrivedBytes, ending, "Content-Type", OCTETS);
            assertNoSuccess(status);
        }

        // after a hang-up the server may still be reading; nothing may appear while it finishes
        long until = System.nanoTime() + (ending == Ending.CLOSE ? 1_500_000_000L : 0);
        do {
            assertNotServed(repo, full);
            assertNotServed(repo, arrived);
            Thread.sleep(100);
        } while (System.nanoTime() < until);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
