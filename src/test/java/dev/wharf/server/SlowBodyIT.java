package dev.wharf.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.ServerProcess;
import dev.wharf.testing.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request bodies trickled at 10 bytes/s hold no worker thread for long: the packaged server with
 * its defaults (200 threads, minimum body rate 4 KiB/s over 10 s, 2 MiB swallow bound).
 */
class SlowBodyIT {

    private static final String PASSWORD = "slow-body-admin-password";
    private static final int CONNECTIONS = 300;

    @TempDir
    static Path dataDir;

    private static ServerProcess server;

    @BeforeAll
    static void start() {
        TestDatabases.Database db = TestDatabases.create();
        server = ServerProcess.start(List.of("-Xmx512m"), List.of(
                "--wharf.data-dir=" + dataDir, "--wharf.auth.admin-password=" + PASSWORD,
                "--spring.datasource.url=" + db.url(), "--spring.datasource.username=" + db.user(),
                "--spring.datasource.password=" + db.password()));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Socket open(String head) throws IOException {
        URI base = server.base();
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
        socket.getOutputStream().write((head + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    /** Writes one byte to every open socket every 100 ms until stopped; counts sockets that failed. */
    private static Thread trickle(List<Socket> sockets, AtomicBoolean stop, AtomicInteger closed) {
        Thread t = new Thread(() -> {
            boolean[] dead = new boolean[sockets.size()];
            while (!stop.get()) {
                for (int i = 0; i < sockets.size(); i++) {
                    if (dead[i]) {
                        continue;
                    }
                    try {
                        OutputStream out = sockets.get(i).getOutputStream();
                        out.write('x');
                        out.flush();
                    } catch (IOException e) {
                        dead[i] = true;
                        closed.incrementAndGet();
                    }
                }
                try {
                    Thread.sleep(100); // the trickle's pace, not a wait for another thread
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "trickle");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void threeHundredTrickledBodiesAfter401LeaveV2Responsive() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger closed = new AtomicInteger();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                sockets.add(open("PATCH /v2/victim/repo/blobs/uploads/" + i + " HTTP/1.1\r\n"
                        + "Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n"));
            }
            Thread trickler = trickle(sockets, stop, closed);

            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            List<Long> millis = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(server.base().resolve("/v2/"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding());
                millis.add((System.nanoTime() - t0) / 1_000_000);
                assertThat(r.statusCode()).isEqualTo(401);
            }
            stop.set(true);
            trickler.join(10_000);

            millis.sort(null);
            long p50 = millis.get(millis.size() / 2);
            long p99 = millis.get((int) Math.ceil(millis.size() * 0.99) - 1);
            System.out.printf("SlowBodyIT: %d GET /v2/ under %d trickled connections: p50 %d ms, p99 %d ms, max %d ms;"
                    + " %d connections closed by the server%n", millis.size(), CONNECTIONS, p50, p99,
                    millis.get(millis.size() - 1), closed.get());
            assertThat(p99).isLessThan(1000);
            assertThat(closed.get()).isEqualTo(CONNECTIONS);
        } finally {
            stop.set(true);
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void trickledUploadIsCutSoonAfterTheRateWindow() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<Void> start = client.send(HttpRequest.newBuilder(server.base().resolve("/v2/admin/slow/blobs/uploads/"))
                .header("Authorization", basic).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(start.statusCode()).isEqualTo(202);
        String location = start.headers().firstValue("Location").orElseThrow();

        long t0 = System.nanoTime();
        try (Socket socket = open("PATCH " + location + " HTTP/1.1\r\nAuthorization: " + basic + "\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n")) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger closed = new AtomicInteger();
            Thread trickler = trickle(List.of(socket), stop, closed);
            socket.setSoTimeout(60_000);
            InputStream in = socket.getInputStream();
            byte[] answer = new byte[4096];
            int n;
            try {
                n = in.read(answer);
            } catch (SocketTimeoutException e) {
                n = -2;
            } catch (IOException e) {
                n = -1;
            }
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            stop.set(true);
            trickler.join(10_000);
            String status = n > 12 ? new String(answer, 0, 12, StandardCharsets.US_ASCII) : "(closed: " + n + ")";
            System.out.printf("SlowBodyIT: a PATCH trickled at 10 B/s was answered %s after %d s%n", status, seconds);
            assertThat(n).as("the server answered or closed the connection").isNotEqualTo(-2);
            assertThat(seconds).isBetween(9L, 25L);
        }
    }
}
