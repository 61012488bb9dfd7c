package dev.wharf.client;

import dev.wharf.testing.ReferenceRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The client against the reference registry (CNCF distribution 2.8.2, Debian's docker-registry). */
class ReferenceRegistryIT extends RegistryClientContract {

    private static ReferenceRegistry registry;

    @BeforeAll
    static void start() {
        registry = ReferenceRegistry.start();
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Override
    String hostPort() {
        return registry.hostPort();
    }
}
