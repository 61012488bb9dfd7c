package dev.wharf.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The Wharf registry server. It lives in {@code dev.wharf.server} so that component scanning never
 * reaches the client or the CLI.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class WharfServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(WharfServerApplication.class, args);
    }
}
