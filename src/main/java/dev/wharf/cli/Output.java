package dev.wharf.cli;

import dev.wharf.client.BlobOutcome;
import dev.wharf.client.TransferListener;
import dev.wharf.client.TransferResult;
import dev.wharf.oci.Digest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * How a command reports: progress bars on a terminal; plain lines, or JSON with {@code --json},
 * when piped; only the result with {@code --quiet}. Results go to standard output, progress and
 * errors to standard error.
 */
final class Output {

    /** The reporting style. */
    enum Mode { BARS, PLAIN, JSON, QUIET }

    /** The output options every client command has. */
    static final class Options {
        @Option(names = "--json", description = "Print results (and progress events on stderr) as JSON.")
        boolean json;

        @Option(names = {"-q", "--quiet"}, description = "Print only the result.")
        boolean quiet;

        Output output(PrintWriter out, PrintWriter err) {
            Mode mode = quiet ? Mode.QUIET : json ? Mode.JSON : onTerminal() ? Mode.BARS : Mode.PLAIN;
            return new Output(mode, out, err);
        }

        private static boolean onTerminal() {
            String term = System.getenv("TERM");
            return System.console() != null && term != null && !term.equals("dumb");
        }
    }

    final Mode mode;
    final PrintWriter out;
    final PrintWriter err;

    Output(Mode mode, PrintWriter out, PrintWriter err) {
        this.mode = mode;
        this.out = out;
        this.err = err;
    }

    static JsonMapper json() {
        return dev.wharf.client.registry.Json.MAPPER;
    }

    ObjectNode object() {
        return json().createObjectNode();
    }

    void printJson(Object node) {
        out.println(json().writeValueAsString(node));
        out.flush();
    }

    /** A progress listener for this mode; close it when the transfer ends. */
    Progress progress(String verb) {
        return switch (mode) {
            case BARS -> new ProgressBars(err, verb);
            case PLAIN -> new PlainProgress(err, verb);
            case JSON -> new JsonProgress(err);
            case QUIET -> new Progress() {
            };
        };
    }

    /** Prints a transfer's result. */
    void result(String verb, TransferResult r) {
        switch (mode) {
            case JSON -> {
                ObjectNode n = object();
                n.put("destination", r.destination());
                n.put("digest", r.digest().toString());
                n.put("mediaType", r.mediaType());
                n.put("blobs", r.blobs());
                n.put("transferred", r.transferred());
                n.put("existing", r.existing());
                n.put("mounted", r.mounted());
                n.put("bytes", r.bytes());
                n.put("seconds", r.elapsed().toMillis() / 1000.0);
                printJson(n);
            }
            case QUIET -> {
                out.println(r.digest());
                out.flush();
            }
            default -> {
                err.printf(Locale.ROOT, "%s %s in %s: %d blob%s, %d transferred, %d already there, %d mounted, %s at %s%n",
                        verb, r.digest(), Sizes.duration(r.elapsed()), r.blobs(), r.blobs() == 1 ? "" : "s",
                        r.transferred(), r.existing(), r.mounted(), Sizes.bytes(r.bytes()),
                        Sizes.rate(r.bytes(), r.elapsed().toNanos()));
                err.flush();
                out.println(r.destination());
                out.flush();
            }
        }
    }

    /** A listener that is closed when the transfer is over (successfully or not). */
    interface Progress extends TransferListener, AutoCloseable {
        @Override
        default void close() {
        }
    }

    /** One line per finished blob and per retry. */
    static final class PlainProgress implements Progress {
        private final PrintWriter err;
        private final String verb;
        private final Map<String, String> labels = new ConcurrentHashMap<>();

        PlainProgress(PrintWriter err, String verb) {
            this.err = err;
            this.verb = verb;
        }

        @Override
        public void blobStarted(String id, String label, long total) {
            labels.put(id, label);
        }

        @Override
        public synchronized void blobFinished(String id, BlobOutcome outcome, Digest digest, long size) {
            String what = switch (outcome) {
                case TRANSFERRED -> verb;
                case EXISTS -> "exists";
                case MOUNTED -> "mounted";
            };
            err.printf(Locale.ROOT, "%-8s %-12s %s %s%n", what, labels.getOrDefault(id, "blob"),
                    Sizes.shortDigest(String.valueOf(digest)), Sizes.bytes(size));
            err.flush();
        }

        @Override
        public synchronized void manifestWritten(String where, Digest digest) {
            err.printf("manifest %s %s%n", Sizes.shortDigest(digest.toString()), where);
            err.flush();
        }

        @Override
        public synchronized void retrying(String what, int attempt, Duration delay, String cause) {
            err.printf(Locale.ROOT, "retrying %s in %s (attempt %d): %s%n", what, Sizes.duration(delay), attempt + 1, cause);
            err.flush();
        }
    }

    /** Events as JSON lines on stderr. */
    static final class JsonProgress implements Progress {
        private final PrintWriter err;

        JsonProgress(PrintWriter err) {
            this.err = err;
        }

        private synchronized void emit(ObjectNode n) {
            err.println(json().writeValueAsString(n));
            err.flush();
        }

        @Override
        public void blobStarted(String id, String label, long total) {
            ObjectNode n = json().createObjectNode();
            n.put("event", "blobStarted");
            n.put("id", id);
            n.put("label", label);
            n.put("size", total);
            emit(n);
        }

        @Override
        public void blobFinished(String id, BlobOutcome outcome, Digest digest, long size) {
            ObjectNode n = json().createObjectNode();
            n.put("event", "blobFinished");
            n.put("id", id);
            n.put("outcome", outcome.name().toLowerCase(Locale.ROOT));
            n.put("digest", String.valueOf(digest));
            n.put("size", size);
            emit(n);
        }

        @Override
        public void manifestWritten(String where, Digest digest) {
            ObjectNode n = json().createObjectNode();
            n.put("event", "manifestWritten");
            n.put("reference", where);
            n.put("digest", digest.toString());
            emit(n);
        }

        @Override
        public void retrying(String what, int attempt, Duration delay, String cause) {
            ObjectNode n = json().createObjectNode();
            n.put("event", "retrying");
            n.put("what", what);
            n.put("attempt", attempt);
            n.put("delayMillis", delay.toMillis());
            n.put("cause", cause);
            emit(n);
        }
    }
}
