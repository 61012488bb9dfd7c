package dev.wharf.server.web;

import org.apache.catalina.Host;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import java.time.Duration;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.util.unit.DataSize;

/**
 * Connector settings for a blob server, measured on the benchmark machine (docs/PERFORMANCE.md):
 * <ul>
 *   <li>Tomcat's default 8 KiB socket read buffer turns a 512 MiB upload into 65,536 reads, each
 *       with a digest call and a file write; 64 KiB more than doubled upload throughput.</li>
 *   <li>Blob downloads are written through the socket write buffer: 256 KiB direct buffers (no copy
 *       through the heap) serve ~1.9 GB/s against ~1.0 GB/s with the 64 KiB default.</li>
 *   <li>Tomcat allocates both buffers for every connection when it accepts it, so a thousand idle
 *       connections held 350 MiB. Connections therefore start with 4 KiB / 8 KiB buffers, and
 *       {@link WharfHttp11NioProtocol} enlarges them to {@link SocketBuffers#LARGE} for a
 *       connection that streams a large body (an upload of at least 64 KiB or chunked, a blob
 *       download). Connections are not pooled ({@code socket.bufferPool=0}), so enlarged buffers
 *       are freed when their connection closes.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class TomcatTuning {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> socketBuffersOnDemand() {
        return factory -> {
            factory.setProtocol(WharfHttp11NioProtocol.class.getName());
            factory.addConnectorCustomizers(connector -> {
                connector.setProperty("socket.appReadBufSize", Integer.toString(4 * 1024));
                connector.setProperty("socket.appWriteBufSize", Integer.toString(8 * 1024));
                connector.setProperty("socket.directBuffer", "true");
                connector.setProperty("socket.bufferPool", "0");
            });
        };
    }

    /**
     * Replaces Tomcat's HTML error report (which Boot installs on the host) by
     * {@link JsonErrorReportValve}. Ordered last so that it runs after Boot's own customizer.
     */
    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorReport() {
        return factory -> factory.addContextCustomizers(context -> {
            Host host = (Host) context.getParent();
            for (Valve valve : host.getPipeline().getValves()) {
                if (valve instanceof ErrorReportValve && !(valve instanceof JsonErrorReportValve)) {
                    host.getPipeline().removeValve(valve);
                }
            }
            if (host instanceof StandardHost standard) {
                standard.setErrorReportValveClass(JsonErrorReportValve.class.getName());
            }
            host.getPipeline().addValve(new JsonErrorReportValve());
        });
    }

    /**
     * The request id and the access log ({@link AccessLogValve}), in the engine pipeline: the id is
     * set before any filter or servlet runs, so everything they log for the request carries it.
     * Key-value pairs are added to the lines only when a structured console or file format is
     * configured.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> accessLog(AccessLogProperties properties,
                                                                        Environment environment) {
        boolean structured = StringUtils.hasText(environment.getProperty("logging.structured.format.console"))
                || StringUtils.hasText(environment.getProperty("logging.structured.format.file"));
        return factory -> factory.addEngineValves(new AccessLogValve(properties.enabled(), structured));
    }

    /**
     * Request bodies must arrive at {@code wharf.http.min-body-rate} per second (averaged over
     * {@code wharf.http.body-rate-window} of waiting) and a read that receives nothing for that
     * window fails; an unread body is not swallowed beyond {@code server.tomcat.max-swallow-size}
     * or beyond what has arrived (see {@link BodyGuardValve}).
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> slowBodyGuard(
            @Value("${wharf.http.min-body-rate:4KB}") DataSize minRate,
            @Value("${wharf.http.body-rate-window:10s}") Duration window,
            @Value("${server.tomcat.max-swallow-size:2MB}") DataSize maxSwallow) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("wharf.http.body-rate-window must be positive");
        }
        return factory -> {
            factory.addEngineValves(new BodyGuardValve(minRate.toBytes(), window, Math.max(0, maxSwallow.toBytes())));
            factory.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof AbstractHttp11Protocol<?> http) {
                    http.setDisableUploadTimeout(false);
                    http.setConnectionUploadTimeout((int) Math.min(Integer.MAX_VALUE, window.toMillis()));
                }
            });
        };
    }
}
