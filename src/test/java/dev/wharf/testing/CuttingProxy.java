package dev.wharf.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a free loopback port in front of a registry that cuts one connection once a given
 * number of bytes have passed in one direction: the dropped connection in the middle of an upload
 * (or a download) that a client must survive. The cut is a reset, as when a network path fails.
 */
public final class CuttingProxy implements AutoCloseable {

    /** Which way the counted bytes flow. */
    public enum Direction { UPLOAD, DOWNLOAD }

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final Direction direction;
    private final long cutAfter;
    private final AtomicLong passed = new AtomicLong();
    private final AtomicBoolean cut = new AtomicBoolean();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    private CuttingProxy(ServerSocket server, InetSocketAddress upstream, Direction direction, long cutAfter) {
        this.server = server;
        this.upstream = upstream;
        this.direction = direction;
        this.cutAfter = cutAfter;
    }

    /** Starts a proxy to {@code upstream} (http://host:port) that cuts once after {@code cutAfter} bytes. */
    public static CuttingProxy start(URI upstream, Direction direction, long cutAfter) {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            CuttingProxy proxy = new CuttingProxy(server, new InetSocketAddress(upstream.getHost(), upstream.getPort()),
                    direction, cutAfter);
            Thread accept = new Thread(proxy::acceptLoop, "cutting-proxy-accept");
            accept.setDaemon(true);
            accept.start();
            return proxy;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code 127.0.0.1:<port>} */
    public String hostPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** True once the proxy has cut a connection. */
    public boolean didCut() {
        return cut.get();
    }

    /** Bytes passed in the counted direction, over all connections. */
    public long bytesPassed() {
        return passed.get();
    }

    public int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                connections.incrementAndGet();
                Socket target = new Socket();
                target.connect(upstream, 5000);
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                pump(client, target, direction == Direction.UPLOAD);
                pump(target, client, direction == Direction.DOWNLOAD);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to, boolean counted) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (counted && !cut.get()) {
                        long before = passed.getAndAdd(n);
                        if (before + n >= cutAfter && cut.compareAndSet(false, true)) {
                            int part = (int) Math.max(0, cutAfter - before);
                            out.write(buffer, 0, part);
                            out.flush();
                            reset(from);
                            reset(to);
                            return;
                        }
                    }
                    out.write(buffer, 0, n);
                }
                to.shutdownOutput();
            } catch (IOException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "cutting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
