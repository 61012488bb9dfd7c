package dev.wharf.server.web;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Connector settings for a blob server, measured on the benchmark machine (docs/PERFORMANCE.md):
 * <ul>
 *   <li>Tomcat's default 8 KiB socket read buffer turns a 512 MiB upload into 65,536 reads, each
 *       with a digest call and a file write; 64 KiB more than doubled upload throughput.</li>
 *   <li>Blob downloads are written through the socket write buffer: 256 KiB direct buffers (no copy
 *       through the heap) serve ~1.9 GB/s against ~1.0 GB/s with the 64 KiB default.</li>
 * </ul>
 * Each connection holds one buffer of each size while it is open.
 */
@Configuration(proxyBeanMethods = false)
class TomcatTuning {

    @Bean
    TomcatConnectorCustomizer largeSocketBuffers() {
        return connector -> {
            connector.setProperty("socket.appReadBufSize", Integer.toString(64 * 1024));
            connector.setProperty("socket.appWriteBufSize", Integer.toString(256 * 1024));
            connector.setProperty("socket.directBuffer", "true");
        };
    }
}
