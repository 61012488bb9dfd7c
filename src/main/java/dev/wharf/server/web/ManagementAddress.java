package dev.wharf.server.web;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Keeps a separate management port ({@code management.server.port}) on the registry's interface:
 * when it is set and {@code management.server.address} is not, the actuator endpoints listen on
 * {@code server.address} (127.0.0.1 by default) instead of Spring Boot's default, every interface,
 * which would publish them more widely than the registry itself. Spring Boot refuses a management
 * address without a port of its own, so this cannot be a plain default in application.yaml.
 */
public final class ManagementAddress implements EnvironmentPostProcessor, Ordered {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!separatePort(environment) || environment.containsProperty("management.server.address")) {
            return;
        }
        String address = environment.getProperty("server.address");
        if (address == null || address.isBlank()) {
            return; // the registry listens everywhere: so may its management port
        }
        environment.getPropertySources().addLast(new MapPropertySource("wharfManagementAddress",
                Map.of("management.server.address", address)));
    }

    /** Spring Boot's rule: a management port set, not negative (disabled) and not the server's own. */
    private static boolean separatePort(ConfigurableEnvironment environment) {
        Integer management = environment.getProperty("management.server.port", Integer.class);
        if (management == null || management < 0) {
            return false;
        }
        return !management.equals(environment.getProperty("server.port", Integer.class, 8080));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after application.yaml and every other source is read
    }
}
