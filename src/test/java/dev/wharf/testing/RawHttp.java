package dev.wharf.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * HTTP/1.1 over a plain socket, for what {@link java.net.http.HttpClient} will not do: announce a
 * {@code Content-Length} and then send fewer bytes.
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** How the client ends a request whose body it did not finish. */
    public enum Ending {
        /** Shut down the sending side (FIN) and read the server's answer, if any. */
        HALF_CLOSE,
        /** Close the socket at once, without waiting for an answer. */
        CLOSE
    }

    /**
     * Sends {@code method target} announcing {@code Content-Length: announced} but only {@code body}
     * (shorter), then ends the connection as {@code ending} says.
     *
     * @param headers extra header lines, as name/value pairs
     * @return the status the server answered with (only for {@link Ending#HALF_CLOSE}, and only when
     *         it answered before closing)
     */
    public static OptionalInt truncated(URI base, String method, String target, long announced, byte[] body,
                                        Ending ending, String... headers) {
        if (body.length >= announced) {
            throw new IllegalArgumentException("the body must be shorter than announced");
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            socket.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder()
                    .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
                    .append("Content-Length: ").append(announced).append("\r\n")
                    .append("Connection: close\r\n");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            if (ending == Ending.CLOSE) {
                return OptionalInt.empty();
            }
            socket.shutdownOutput();
            return readStatus(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OptionalInt readStatus(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                line.write(b);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // no answer: the server dropped the connection
        }
        String status = line.toString(StandardCharsets.US_ASCII).trim();
        if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(status.substring(9, 12)));
    }

    /**
     * Sends {@code head} (request line and header lines, without the empty line that ends them)
     * followed by {@code body}, with {@code Connection: close}, and returns the status answered.
     */
    public static OptionalInt exchange(URI base, String head, byte[] body) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            socket.setSoTimeout(30_000);
            String request = head + "\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\nConnection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return readStatus(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A response read off the wire: status line code, header lines, and body as sent (chunked framing kept). */
    public record Response(int status, java.util.Map<String, String> headers, String body) {

        /** The value of header {@code name} (case-insensitive), or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /**
     * Sends {@code request} exactly as given (it must ask for {@code Connection: close}) and reads the
     * answer until the server closes the connection.
     */
    public static Response send(URI base, byte[] request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            try {
                socket.getInputStream().transferTo(answer);
            } catch (java.net.SocketException e) {
                // a reset after the answer: keep what arrived
            }
            String text = answer.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.1 ") || end < 0) {
                throw new IllegalStateException("not an HTTP response: " + text);
            }
            String[] lines = text.substring(0, end).split("\r\n");
            java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            return new Response(Integer.parseInt(lines[0].substring(9, 12)), headers, text.substring(end + 4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
