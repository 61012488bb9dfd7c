package dev.wharf.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on a fixed loopback port in front of a service (an S3 endpoint) that can go away and
 * come back, the two ways a dependency disappears:
 * <ul>
 *   <li>{@link #refuse()}: the service is down. Open connections are reset and new ones refused, as
 *       when its process died or it restarts;</li>
 *   <li>{@link #stall()}: the network path is gone. Connections are accepted (or stay open) but no
 *       byte passes either way and nothing is ever answered; only the client's timeouts end them.</li>
 * </ul>
 * {@link #restore()} brings the service back on the same address.
 */
public final class OutageProxy implements AutoCloseable {

    private final InetSocketAddress upstream;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private volatile ServerSocket server;
    private volatile boolean stalled;
    private volatile boolean closed;

    private OutageProxy(InetSocketAddress upstream, ServerSocket server) {
        this.upstream = upstream;
        this.server = server;
        this.port = server.getLocalPort();
    }

    /** Starts a proxy to {@code upstream} (http://host:port). */
    public static OutageProxy start(URI upstream) {
        try {
            OutageProxy proxy = new OutageProxy(new InetSocketAddress(upstream.getHost(), upstream.getPort()),
                    bind(0));
            proxy.acceptOn(proxy.server);
            return proxy;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return s;
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The service goes down: open connections are reset, new ones refused. */
    public synchronized void refuse() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        resetAll();
    }

    /** The path goes silent: nothing passes, nothing is answered, nothing is closed. */
    public synchronized void stall() {
        stalled = true;
    }

    /** The service is back on the same port; connections held during a stall are reset. */
    public synchronized void restore() {
        if (stalled) {
            stalled = false;
            resetAll();
            synchronized (gate) {
                gate.notifyAll();
            }
        }
        if (server.isClosed()) {
            try {
                server = bind(port);
            } catch (IOException e) {
                throw new IllegalStateException("cannot listen on port " + port + " again", e);
            }
            acceptOn(server);
        }
    }

    private void resetAll() {
        for (Socket s : sockets) {
            reset(s);
        }
        sockets.clear();
    }

    private void acceptOn(ServerSocket listening) {
        Thread accept = new Thread(() -> {
            while (!closed && !listening.isClosed()) {
                try {
                    Socket client = listening.accept();
                    if (!admit(listening, client)) {
                        continue;
                    }
                    if (stalled) {
                        // accepted by the kernel, never answered
                        continue;
                    }
                    Socket target = new Socket();
                    target.connect(upstream, 5000);
                    if (!admit(listening, target)) {
                        reset(client);
                        continue;
                    }
                    client.setTcpNoDelay(true);
                    target.setTcpNoDelay(true);
                    pump(client, target);
                    pump(target, client);
                } catch (IOException e) {
                    // the listening socket was closed (refuse) or the upstream failed: go on or stop
                }
            }
        }, "outage-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /**
     * Registers a socket so that an outage resets it; a connection accepted just as the service
     * went down is reset at once instead (it must not outlive the outage).
     */
    private synchronized boolean admit(ServerSocket listening, Socket socket) {
        if (listening.isClosed()) {
            reset(socket);
            return false;
        }
        sockets.add(socket);
        return true;
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    awaitPassage();
                    out.write(buffer, 0, n);
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                reset(from);
                reset(to);
            } finally {
                sockets.remove(from);
            }
        }, "outage-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private void awaitPassage() throws InterruptedException {
        synchronized (gate) {
            while (stalled && !closed) {
                gate.wait(1000);
            }
        }
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
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
        resetAll();
        synchronized (gate) {
            gate.notifyAll();
        }
    }
}
