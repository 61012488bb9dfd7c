package dev.wharf.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

/**
 * With {@code management.server.port} set, the actuator endpoints ({@code /actuator/health},
 * {@code /actuator/prometheus}) are served on that port only, on the loopback interface unless
 * {@code management.server.address} says otherwise, and the registry's port no longer answers them.
 */
class ManagementPortIT {

    private static RegistryServer server;
    private static URI management;
    private static final AtomicReference<TomcatWebServer> managementServer = new AtomicReference<>();

    @BeforeAll
    static void start() {
        int port = freePort();
        ApplicationListener<WebServerInitializedEvent> capture = e -> {
            if ("management".equals(e.getApplicationContext().getServerNamespace())) {
                managementServer.set((TomcatWebServer) e.getWebServer());
            }
        };
        server = RegistryServer.start(TestDatabases.create(), RegistryServer.withAuth(Map.of(
                "management.server.port", Integer.toString(port))), context -> context.addApplicationListener(capture));
        management = URI.create("http://127.0.0.1:" + port);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void actuatorEndpointsAnswerOnTheManagementPort() {
        RegistryHttp http = new RegistryHttp(management);

        HttpResponse<byte[]> health = http.get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(new String(health.body(), StandardCharsets.UTF_8)).contains("\"UP\"");
        assertThat(http.get("/actuator/health/readiness").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> metrics = http.get("/actuator/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(new String(metrics.body(), StandardCharsets.UTF_8)).contains("wharf_blob_uploads_total");
    }

    @Test
    void theRegistryPortNoLongerServesThem() {
        RegistryHttp http = new RegistryHttp(server.base());

        for (String path : new String[] {"/actuator/prometheus", "/actuator/health", "/actuator"}) {
            HttpResponse<byte[]> r = http.get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).as(path).doesNotContain("wharf_blob");
        }
        assertThat(http.get("/v2/").statusCode()).as("the registry itself still answers").isEqualTo(401);
    }

    @Test
    void theManagementPortListensOnLoopbackOnly() {
        TomcatWebServer web = managementServer.get();
        assertThat(web).as("the management server started").isNotNull();
        assertThat(web.getPort()).isEqualTo(management.getPort());
        Connector connector = web.getTomcat().getConnector();
        Object address = connector.getProperty("address");
        assertThat(address).as("bound address").isInstanceOf(InetAddress.class);
        assertThat(((InetAddress) address).isLoopbackAddress()).isTrue();
    }
}
