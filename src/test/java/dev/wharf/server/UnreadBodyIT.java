package dev.wharf.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request answered before its body was read (a 401 here; a 416 for a chunk another request is
 * writing in the upload race) while the client is still sending it. Closing the connection at once
 * makes the kernel reset it, which can cut off the end of the answer before the client reads it; so
 * a body arriving at full speed is discarded and the connection kept, and only a slow one is cut.
 */
class UnreadBodyIT {

    private static RegistryServer server;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aRefusedRequestWhoseBodyArrivesAtFullSpeedKeepsItsConnectionAndItsWholeAnswer() throws Exception {
        byte[] body = TestData.random(1_000_000);
        URI base = server.base();
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(head(base, "PATCH /v2/acme/app/blobs/uploads/0b7d5a4e-0c5c-4c8f-9d4e-6f3c2a1b0e9d", body.length));
            out.write(body, 0, 10_000);
            out.flush();

            String refusal = readResponse(in);
            assertThat(refusal).startsWith("HTTP/1.1 401");
            assertThat(refusal).contains("UNAUTHORIZED");

            out.write(body, 10_000, body.length - 10_000);
            out.write(head(base, "GET /v2/", 0));
            out.flush();
            assertThat(readResponse(in)).as("the next request on the same connection").startsWith("HTTP/1.1 401");
        }
    }

    @Test
    void aTrickledBodyAfterARefusalIsCutSoon() throws Exception {
        URI base = server.base();
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head(base, "PATCH /v2/acme/app/blobs/uploads/0b7d5a4e-0c5c-4c8f-9d4e-6f3c2a1b0e9d", 100_000));
            out.write(new byte[10]);
            out.flush();
            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 401");

            long answered = System.nanoTime();
            long deadline = answered + TimeUnit.SECONDS.toNanos(10);
            boolean closed = false;
            while (!closed && System.nanoTime() < deadline) {
                try {
                    out.write('x');
                    out.flush();
                    socket.setSoTimeout(50); // the trickle's pace: one byte per 50 ms
                    closed = socket.getInputStream().read() < 0;
                } catch (java.net.SocketTimeoutException e) {
                    // still open
                } catch (IOException e) {
                    closed = true;
                }
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
            assertThat(closed).as("the connection of a trickled body is closed").isTrue();
            assertThat(millis).as("closed after the linger's grace, long before its maximum").isLessThan(1_500);
        }
    }

    private static byte[] head(URI base, String requestLine, long contentLength) {
        String head = requestLine + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\n"
                + (contentLength > 0 ? "Content-Type: application/octet-stream\r\nContent-Length: " + contentLength + "\r\n" : "")
                + "\r\n";
        return head.getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads one whole response (head and body, by Content-Length or chunked) and returns it as text. */
    private static String readResponse(InputStream in) throws IOException {
        String head = readUntil(in, "\r\n\r\n");
        StringBuilder response = new StringBuilder(head);
        String lower = head.toLowerCase(Locale.ROOT);
        int length = lower.indexOf("content-length:");
        if (length >= 0) {
            int end = lower.indexOf("\r\n", length);
            int n = Integer.parseInt(head.substring(length + "content-length:".length(), end).trim());
            response.append(new String(in.readNBytes(n), StandardCharsets.UTF_8));
        } else if (lower.contains("transfer-encoding: chunked")) {
            while (true) {
                String size = readUntil(in, "\r\n").trim();
                int n = Integer.parseInt(size, 16);
                byte[] chunk = in.readNBytes(n + 2);
                if (chunk.length < n + 2) {
                    throw new EOFException("a chunk was cut short");
                }
                if (n == 0) {
                    break;
                }
                response.append(new String(chunk, 0, n, StandardCharsets.UTF_8));
            }
        }
        return response.toString();
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (!bytes.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection closed after: " + bytes.toString(StandardCharsets.ISO_8859_1));
            }
            bytes.write(b);
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }
}
