package dev.wharf.server.web;

import jakarta.servlet.ServletRequest;

/**
 * Large socket buffers on demand. Connections start with small buffers (a thousand idle ones cost
 * a few tens of MiB); a request that moves a large body asks for {@link #LARGE} bytes of read and
 * write buffer for its connection, which it keeps until it closes. Streaming a blob through 256 KiB
 * direct buffers is about twice as fast as through Tomcat's 64 KiB default (docs/PERFORMANCE.md).
 */
public final class SocketBuffers {

    /** The buffer size a large transfer gets, read and write each. */
    public static final int LARGE = 256 * 1024;

    /** Bodies at least this long get {@link #LARGE} buffers. */
    public static final long LARGE_BODY = 64 * 1024;

    /** The request attribute holding the connection's {@link Runnable} that enlarges its buffers. */
    static final String ATTRIBUTE = "dev.wharf.socket-buffers.enlarge";

    private SocketBuffers() {
    }

    /**
     * Gives the request's connection large buffers before a large body is streamed. Does nothing
     * outside Wharf's connector (tests with a mock request, another container).
     */
    public static void enlarge(ServletRequest request) {
        if (request.getAttribute(ATTRIBUTE) instanceof Runnable enlarge) {
            enlarge.run();
        }
    }
}
