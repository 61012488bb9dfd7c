package dev.wharf.server.webhook;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A webhook receiver for tests: a real HTTP server on loopback that records what it receives and
 * answers with a settable status. It can be stopped and started again on the same port (the
 * receiver "going down"), and made to hold requests without answering.
 */
final class Receiver implements AutoCloseable {

    /** One request as received. */
    record Received(Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final int port;
    private volatile int status = 200;
    private volatile CountDownLatch hold;
    private HttpServer server;

    private Receiver(int port) {
        this.port = port;
    }

    static Receiver start() {
        Receiver r = new Receiver(0);
        r.up();
        return r;
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    int port() {
        return server != null ? server.getAddress().getPort() : port;
    }

    /** Starts serving (again, on the same port after {@link #down()}). */
    synchronized void up() {
        int bindPort = server != null ? server.getAddress().getPort() : lastPort;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", bindPort), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(headers, body));
            CountDownLatch h = hold;
            if (h != null) {
                try {
                    h.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        lastPort = server.getAddress().getPort();
    }

    private int lastPort;

    /** Stops serving: connections are refused until {@link #up()}. */
    synchronized void down() {
        if (server != null) {
            lastPort = server.getAddress().getPort();
            server.stop(0);
            server = null;
        }
    }

    void answer(int status) {
        this.status = status;
    }

    /** Holds every request without answering until {@link #release()}. */
    void hold() {
        hold = new CountDownLatch(1);
    }

    void release() {
        CountDownLatch h = hold;
        hold = null;
        if (h != null) {
            h.countDown();
        }
    }

    List<Received> received() {
        return new ArrayList<>(received);
    }

    /** Waits until a request matching {@code which} has arrived; fails after {@code timeout}. */
    Received await(Predicate<Received> which, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Received r : received) {
                if (which.test(r)) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no matching webhook request within " + timeout + "; received " + received.size());
    }

    @Override
    public void close() {
        release();
        down();
    }
}
