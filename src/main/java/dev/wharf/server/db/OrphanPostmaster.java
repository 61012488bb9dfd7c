package dev.wharf.server.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery of the embedded database after the server died without stopping it.
 *
 * <p>The embedded postmaster is started through {@code pg_ctl}, so it is not the server's child and
 * outlives a {@code kill -9} of the server (or the OOM killer). Its {@code postmaster.pid} then
 * holds the data directory, and a plain restart fails with "lock file postmaster.pid already
 * exists". This runs while the new server holds the data directory's {@code epg-lock} (a lock
 * every embedded start takes, released by the kernel when its holder dies), so no living Wharf
 * uses the directory; then:
 * <ul>
 *   <li>a postmaster whose command line names this data directory is an orphan: it is asked to
 *       shut down (SIGTERM; its clients died with the old server, so it ends at once, cleanly),
 *       and killed with its children if it has not ended within {@link #GRACE};</li>
 *   <li>a live process with that PID that is not such a postmaster (the PID was reused, as happens
 *       in containers) makes the lock file stale: it is removed, or PostgreSQL would refuse to
 *       start;</li>
 *   <li>a PID no longer alive is left to PostgreSQL, which recovers a stale lock file itself.</li>
 * </ul>
 */
final class OrphanPostmaster {

    static final Duration GRACE = Duration.ofSeconds(20);

    private static final Logger log = LoggerFactory.getLogger(OrphanPostmaster.class);

    private OrphanPostmaster() {
    }

    static void stopIfRunning(Path dataDirectory) {
        Path lockFile = dataDirectory.resolve("postmaster.pid");
        Optional<Long> pid = pidIn(lockFile);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            log.info("{} names PID {}, which has ended: PostgreSQL recovers the stale lock itself", lockFile, pid.get());
            return;
        }
        if (!isPostmasterOf(process.get(), dataDirectory)) {
            log.warn("{} names PID {}, now another program (the PID was reused): removing the stale lock file",
                    lockFile, pid.get());
            delete(lockFile);
            return;
        }
        log.warn("the embedded PostgreSQL (PID {}) of a server that did not shut down is still running on {}:"
                + " stopping it before starting a new one", pid.get(), dataDirectory);
        stop(process.get());
    }

    private static void stop(ProcessHandle postmaster) {
        List<ProcessHandle> children = postmaster.descendants().toList();
        postmaster.destroy();
        if (awaitExit(postmaster, GRACE)) {
            log.info("the orphaned PostgreSQL shut down cleanly");
            return;
        }
        log.warn("the orphaned PostgreSQL did not shut down within {}: killing it and its {} children",
                GRACE, children.size());
        postmaster.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        boolean gone = awaitExit(postmaster, Duration.ofSeconds(10));
        for (ProcessHandle child : children) {
            gone &= awaitExit(child, Duration.ofSeconds(10));
        }
        if (!gone) {
            throw new IllegalStateException("cannot stop the orphaned embedded PostgreSQL (PID " + postmaster.pid()
                    + "): stop it by hand, then start Wharf again");
        }
    }

    private static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !process.isAlive();
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the orphaned embedded PostgreSQL", e);
        }
    }

    /** True when the process runs a {@code postgres} binary with {@code -D <dataDirectory>}. */
    static boolean isPostmasterOf(ProcessHandle process, Path dataDirectory) {
        List<String> arguments = arguments(process);
        if (arguments.isEmpty() || !Path.of(arguments.get(0)).getFileName().toString().equals("postgres")) {
            return false;
        }
        for (int i = 1; i < arguments.size() - 1; i++) {
            if (arguments.get(i).equals("-D") && sameDirectory(Path.of(arguments.get(i + 1)), dataDirectory)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> arguments(ProcessHandle process) {
        Path cmdline = Path.of("/proc", Long.toString(process.pid()), "cmdline");
        try {
            String raw = Files.readString(cmdline, StandardCharsets.UTF_8);
            return Arrays.stream(raw.split("\0")).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            // no procfs (macOS): ask the JDK, which knows the arguments of the user's own processes
            ProcessHandle.Info info = process.info();
            if (info.command().isEmpty()) {
                return List.of();
            }
            return java.util.stream.Stream.concat(info.command().stream(),
                    info.arguments().map(Arrays::stream).orElseGet(java.util.stream.Stream::empty)).toList();
        }
    }

    private static boolean sameDirectory(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    private static Optional<Long> pidIn(Path lockFile) {
        try {
            List<String> lines = Files.readAllLines(lockFile, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(Long.parseLong(lines.get(0).strip()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (NumberFormatException e) {
            log.warn("{} holds no PID: removing it", lockFile);
            delete(lockFile);
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + lockFile, e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the stale " + file, e);
        }
    }
}
