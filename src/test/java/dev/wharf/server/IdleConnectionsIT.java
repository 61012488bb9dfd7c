package dev.wharf.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.ServerProcess;
import dev.wharf.testing.TestDatabases;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idle connections are cheap: a thousand connections that sent half a request header add less
 * than 50 MiB to the packaged server's resident set (Tomcat allocated 320 KiB of socket buffers
 * for each when it accepted them; they now start small and grow only for large transfers).
 */
class IdleConnectionsIT {

    private static final int CONNECTIONS = 1000;

    @TempDir
    Path dataDir;

    private static long rssMib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    @Test
    void thousandHalfSentRequestsAddLessThan50MibResident() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc");
        TestDatabases.Database db = TestDatabases.create();
        try (ServerProcess server = ServerProcess.start(List.of("-Xmx512m"), List.of(
                "--wharf.data-dir=" + dataDir, "--wharf.auth.enabled=false",
                "--spring.datasource.url=" + db.url(), "--spring.datasource.username=" + db.user(),
                "--spring.datasource.password=" + db.password()))) {
            HttpClient client = HttpClient.newHttpClient();
            for (int i = 0; i < 50; i++) {
                client.send(HttpRequest.newBuilder(server.base().resolve("/v2/")).build(), HttpResponse.BodyHandlers.discarding());
            }
            long before = rssMib(server.pid());
            URI base = server.base();
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
                    s.getOutputStream().write("GET /v2/ HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    sockets.add(s);
                }
                // the server has read every half request once it answers one sent after them all
                HttpResponse<Void> after = client.send(HttpRequest.newBuilder(base.resolve("/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                assertThat(after.statusCode()).isEqualTo(200);
                long peak = 0;
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (System.nanoTime() < deadline) {
                    peak = Math.max(peak, rssMib(server.pid()));
                }
                System.out.printf("IdleConnectionsIT: %d half-sent connections: VmRSS %d -> %d MiB (+%d MiB)%n",
                        CONNECTIONS, before, peak, peak - before);
                assertThat(peak - before).isLessThan(50);
                assertThat(sockets).allSatisfy(s -> assertThat(s.isClosed()).isFalse());
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
