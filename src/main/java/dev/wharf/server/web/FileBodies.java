package dev.wharf.server.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.apache.catalina.connector.ClientAbortException;

/**
 * Response bodies read from a file straight into the connection's socket write buffer, below the
 * servlet API. Through {@code ServletOutputStream} a blob download costs two copies in user space
 * besides the kernel's (file into a heap array, heap array into Tomcat's direct socket buffer);
 * here each chunk is read with {@code pread} into the (direct) socket write buffer and written from
 * it, as a C server does with {@code read}/{@code write}: no heap buffer, no copy between buffers,
 * and no memory beyond the connection's own {@link SocketBuffers#LARGE} write buffer.
 * (Tomcat's sendfile, zero-copy, measured slower on the benchmark machine: docs/PERFORMANCE.md.)
 */
public final class FileBodies {

    /** The request attribute holding the {@link Connection} the request arrived on. */
    static final String ATTRIBUTE = "dev.wharf.file-bodies.connection";

    /** The request attribute with the body bytes written by {@link #send}, for the access log. */
    static final String BYTES_SENT = "dev.wharf.file-bodies.sent";

    /** What {@link WharfHttp11NioProtocol} offers a request: its connection's socket write buffer. */
    interface Connection {
        /** The socket write buffer, empty and ready to be filled. */
        ByteBuffer emptyWriteBuffer();

        /** Writes what the buffer holds to the client, blocking until it has gone. */
        void sendWriteBuffer() throws IOException;

        /** Closes the connection after this request: the body it promised cannot be completed. */
        void closeAfterResponse(Throwable cause);
    }

    private FileBodies() {
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code position} as the body of a response whose
     * status and headers (with its {@code Content-Length}) are set. Returns false, having written
     * nothing, when the request did not arrive through Wharf's connector; the caller then streams
     * the body itself. If the transfer breaks off, the connection is closed (the client sees a short
     * body) and the exception is thrown: a {@link ClientAbortException} when the client went away.
     */
    public static boolean send(HttpServletRequest request, HttpServletResponse response, FileChannel file,
                               long position, long count) throws IOException {
        if (!(request.getAttribute(ATTRIBUTE) instanceof Connection connection)) {
            return false;
        }
        SocketBuffers.enlarge(request);
        response.flushBuffer(); // the status line and headers go out through Tomcat, which commits the response
        long sent = 0;
        try {
            while (sent < count) {
                ByteBuffer buffer = connection.emptyWriteBuffer();
                int limit = buffer.limit();
                buffer.limit((int) Math.min(limit, buffer.position() + (count - sent)));
                int n;
                try {
                    n = file.read(buffer, position + sent);
                } catch (IOException e) {
                    connection.closeAfterResponse(e);
                    throw e;
                } finally {
                    buffer.limit(limit);
                }
                if (n < 0) {
                    EOFException e = new EOFException("file ended at byte " + (position + sent) + " of "
                            + (position + count));
                    connection.closeAfterResponse(e);
                    throw e;
                }
                try {
                    connection.sendWriteBuffer();
                } catch (IOException e) {
                    connection.closeAfterResponse(e);
                    throw new ClientAbortException(e);
                }
                sent += n;
            }
        } finally {
            request.setAttribute(BYTES_SENT, sent);
        }
        return true;
    }
}
