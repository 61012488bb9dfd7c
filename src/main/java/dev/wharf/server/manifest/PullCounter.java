package dev.wharf.server.manifest;

import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Pull counts per repository and the last pull of each tag, recorded without slowing pulls: a
 * manifest GET only increments a counter in this replica's memory; every
 * {@code wharf.ui.pull-flush-interval} (5 s) the counts are added to {@code repositories.pull_count}
 * and the times to {@code tags.last_pulled_at}, one statement each, by every replica for its own
 * counts. A crash loses at most the counts of one interval; so does a failed flush (logged).
 *
 * <p>A pull is a manifest GET (HEAD is how clients check for updates and is not counted), by tag or
 * digest; only a GET by tag moves the tag's last pull. Memory is bounded: beyond
 * {@value #MAX_KEYS} repositories or tags waiting for a flush, new ones are not counted.
 * {@code wharf.ui.pull-counts=false} turns counting off (to measure what it costs).
 */
@Component
public class PullCounter {

    private static final Logger log = LoggerFactory.getLogger(PullCounter.class);
    static final int MAX_KEYS = 100_000;

    private record TagKey(String repository, String tag) {
    }

    private final JdbcClient jdbc;
    private final boolean enabled;
    private final Clock clock;
    private final ConcurrentHashMap<String, LongAdder> pulls = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<TagKey, AtomicLong> tagPulls = new ConcurrentHashMap<>();

    public PullCounter(JdbcClient jdbc,
                       @org.springframework.beans.factory.annotation.Value("${wharf.ui.pull-counts:true}") boolean enabled) {
        this.jdbc = jdbc;
        this.enabled = enabled;
        this.clock = Clock.systemUTC();
    }

    /** Counts one pull of {@code repository}, by {@code tag} (null when by digest). */
    public void record(RepositoryName repository, Tag tag) {
        if (!enabled) {
            return;
        }
        LongAdder adder = pulls.get(repository.value());
        if (adder == null && pulls.size() < MAX_KEYS) {
            adder = pulls.computeIfAbsent(repository.value(), k -> new LongAdder());
        }
        if (adder != null) {
            adder.increment();
        }
        if (tag != null) {
            TagKey key = new TagKey(repository.value(), tag.value());
            AtomicLong at = tagPulls.get(key);
            if (at == null && tagPulls.size() < MAX_KEYS) {
                at = tagPulls.computeIfAbsent(key, k -> new AtomicLong());
            }
            if (at != null) {
                at.set(clock.millis());
            }
        }
    }

    /** Adds what was counted since the last flush to PostgreSQL. */
    @Scheduled(fixedDelayString = "${wharf.ui.pull-flush-interval:5s}", initialDelayString = "${wharf.ui.pull-flush-interval:5s}")
    public void flush() {
        Map<String, Long> counts = new TreeMap<>();
        pulls.forEach((name, adder) -> {
            long n = adder.sumThenReset();
            if (n > 0) {
                counts.put(name, n);
            }
        });
        Map<TagKey, Long> times = new TreeMap<>((a, b) -> a.repository().equals(b.repository())
                ? a.tag().compareTo(b.tag()) : a.repository().compareTo(b.repository()));
        tagPulls.forEach((key, at) -> {
            long millis = at.getAndSet(0);
            if (millis > 0) {
                times.put(key, millis);
            }
        });
        // forget idle keys now and then, so memory follows what is pulled lately
        if (pulls.size() > MAX_KEYS / 2) {
            pulls.clear();
        }
        if (tagPulls.size() > MAX_KEYS / 2) {
            tagPulls.clear();
        }
        try {
            if (!counts.isEmpty()) {
                jdbc.sql("""
                                UPDATE repositories r SET pull_count = r.pull_count + v.n
                                FROM unnest(CAST(:names AS text[]), CAST(:counts AS bigint[])) AS v(name, n)
                                WHERE r.name = v.name""")
                        .param("names", counts.keySet().toArray(String[]::new))
                        .param("counts", counts.values().toArray(Long[]::new))
                        .update();
            }
            if (!times.isEmpty()) {
                List<String> repositories = new ArrayList<>();
                List<String> tags = new ArrayList<>();
                List<Long> at = new ArrayList<>();
                times.forEach((k, millis) -> {
                    repositories.add(k.repository());
                    tags.add(k.tag());
                    at.add(millis);
                });
                jdbc.sql("""
                                UPDATE tags t SET last_pulled_at = greatest(t.last_pulled_at, to_timestamp(v.millis / 1000.0))
                                FROM repositories r,
                                     unnest(CAST(:repositories AS text[]), CAST(:tags AS text[]),
                                            CAST(:at AS bigint[])) AS v(repository, tag, millis)
                                WHERE r.name = v.repository AND t.repository_id = r.id AND t.name = v.tag""")
                        .param("repositories", repositories.toArray(String[]::new))
                        .param("tags", tags.toArray(String[]::new))
                        .param("at", at.toArray(Long[]::new))
                        .update();
            }
        } catch (RuntimeException e) {
            log.warn("could not record {} repositories' pull counts: {}", counts.size(), e.toString());
        }
    }

    @PreDestroy
    void flushOnShutdown() {
        flush();
    }
}
