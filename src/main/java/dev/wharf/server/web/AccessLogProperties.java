package dev.wharf.server.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The access log ({@code wharf.access-log.*}, see {@link AccessLog}).
 *
 * @param enabled whether one line per request is written to the {@value AccessLog#LOGGER} logger
 *                (its level can also be set: {@code logging.level.wharf.access=off})
 */
@ConfigurationProperties("wharf.access-log")
public record AccessLogProperties(@DefaultValue("true") boolean enabled) {
}
