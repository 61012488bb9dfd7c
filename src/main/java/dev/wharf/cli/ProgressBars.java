package dev.wharf.cli;

import dev.wharf.client.BlobOutcome;
import dev.wharf.oci.Digest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Progress bars on a terminal: one line per blob (bytes, bar, rate) and a total line, redrawn in
 * place ten times a second on standard error. Finished blobs collapse into the total when there
 * are more than fit.
 */
final class ProgressBars implements Output.Progress {

    private static final long TICK_MILLIS = 100;
    private static final int MAX_LINES = 12;

    private static final class Bar {
        final String label;
        volatile long total;
        volatile long done;
        volatile String state = "";
        final long started = System.nanoTime();
        volatile long ended;

        Bar(String label, long total) {
            this.label = label;
            this.total = total;
        }
    }

    private final PrintWriter err;
    private final String verb;
    private final Map<String, Bar> bars = new LinkedHashMap<>();
    private final long started = System.nanoTime();
    private final Thread ticker;
    private final int width;
    private int drawn;
    private volatile boolean closed;
    private final List<String> notes = new ArrayList<>();

    ProgressBars(PrintWriter err, String verb) {
        this.err = err;
        this.verb = verb;
        int columns = 100;
        try {
            columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100"));
        } catch (NumberFormatException ignored) {
            // keep the default
        }
        this.width = Math.max(60, Math.min(columns, 140));
        this.ticker = new Thread(() -> {
            while (!closed) {
                draw();
                try {
                    Thread.sleep(TICK_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "wharf-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    @Override
    public synchronized void blobStarted(String id, String label, long total) {
        bars.put(id, new Bar(label, total));
    }

    @Override
    public void blobProgress(String id, long done) {
        Bar bar;
        synchronized (this) {
            bar = bars.get(id);
        }
        if (bar != null) {
            bar.done = done;
        }
    }

    @Override
    public synchronized void blobFinished(String id, BlobOutcome outcome, Digest digest, long size) {
        Bar bar = bars.computeIfAbsent(id, k -> new Bar("blob", size));
        bar.total = size;
        bar.done = outcome == BlobOutcome.TRANSFERRED ? size : bar.done;
        bar.state = switch (outcome) {
            case TRANSFERRED -> "done";
            case EXISTS -> "exists";
            case MOUNTED -> "mounted";
        };
        bar.ended = System.nanoTime();
    }

    @Override
    public synchronized void retrying(String what, int attempt, Duration delay, String cause) {
        notes.add(String.format(Locale.ROOT, "retrying %s in %s: %s", what, Sizes.duration(delay), cause));
    }

    private synchronized void draw() {
        List<String> lines = new ArrayList<>(notes);
        notes.clear();
        long now = System.nanoTime();
        long done = 0;
        long total = 0;
        boolean totalKnown = true;
        int finished = 0;
        List<Bar> shown = new ArrayList<>();
        for (Bar b : bars.values()) {
            done += b.state.equals("exists") || b.state.equals("mounted") ? 0 : b.done;
            if (b.total < 0) {
                totalKnown = false;
            } else if (!b.state.equals("exists") && !b.state.equals("mounted")) {
                total += b.total;
            }
            if (!b.state.isEmpty()) {
                finished++;
            }
            shown.add(b);
        }
        if (shown.size() > MAX_LINES) {
            shown.removeIf(b -> !b.state.isEmpty());
            if (shown.size() > MAX_LINES) {
                shown = shown.subList(0, MAX_LINES);
            }
        }
        for (Bar b : shown) {
            lines.add(line(b, now));
        }
        String totals = String.format(Locale.ROOT, "%-12s %s%s  %s  %d/%d blobs  %s", "total",
                Sizes.bytes(done), totalKnown ? " / " + Sizes.bytes(total) : "",
                Sizes.rate(done, now - started), finished, bars.size(), Sizes.duration(Duration.ofNanos(now - started)));
        lines.add(totals);
        StringBuilder s = new StringBuilder();
        if (drawn > 0) {
            s.append("\033[").append(drawn).append('A');
        }
        for (String line : lines) {
            s.append('\r').append("\033[2K").append(line.length() > width ? line.substring(0, width) : line).append('\n');
        }
        // notes scroll up and stay; the bars and the total are redrawn in place next time
        drawn = shown.size() + 1;
        err.print(s);
        err.flush();
    }

    private String line(Bar b, long now) {
        String state = b.state;
        if (state.equals("exists") || state.equals("mounted")) {
            return String.format(Locale.ROOT, "%-12s %s", b.label, state);
        }
        long elapsed = (b.ended > 0 ? b.ended : now) - b.started;
        int barWidth = 24;
        String bar;
        if (b.total > 0) {
            int filled = (int) Math.min(barWidth, b.done * barWidth / b.total);
            bar = "[" + "#".repeat(filled) + ".".repeat(barWidth - filled) + "]";
        } else {
            bar = "[" + " ".repeat(barWidth) + "]";
        }
        return String.format(Locale.ROOT, "%-12s %s %9s / %-9s %10s %s", b.label, bar, Sizes.bytes(b.done),
                b.total < 0 ? "?" : Sizes.bytes(b.total), Sizes.rate(b.done, elapsed),
                state.equals("done") ? verb : "");
    }

    @Override
    public void close() {
        closed = true;
        ticker.interrupt();
        try {
            ticker.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        draw();
    }
}
