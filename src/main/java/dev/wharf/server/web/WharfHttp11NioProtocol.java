package dev.wharf.server.web;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.coyote.ActionCode;
import org.apache.coyote.Adapter;
import org.apache.coyote.Processor;
import org.apache.coyote.Request;
import org.apache.coyote.Response;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.coyote.http11.Http11Processor;
import org.apache.tomcat.util.net.SocketBufferHandler;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Tomcat's NIO HTTP/1.1 connector whose requests can enlarge their connection's socket buffers
 * ({@link SocketBuffers#enlarge}). Tomcat sizes the buffers once per connection
 * ({@code socket.appReadBufSize}/{@code appWriteBufSize}) and allocates them when it accepts; here
 * they start small and grow to {@link SocketBuffers#LARGE} only for connections that stream large
 * bodies. Its requests can also write a file body straight from the socket write buffer
 * ({@link FileBodies}). Named by class in {@link TomcatTuning}; Tomcat instantiates it.
 */
public class WharfHttp11NioProtocol extends Http11NioProtocol {

    @Override
    protected Processor createProcessor() {
        EnlargingAdapter adapter = new EnlargingAdapter(getAdapter());
        EnlargingProcessor processor = new EnlargingProcessor(this, adapter);
        adapter.processor = processor;
        return processor;
    }

    private static final class EnlargingProcessor extends Http11Processor implements FileBodies.Connection {
        private final Runnable enlarge = this::enlarge;

        EnlargingProcessor(AbstractHttp11Protocol<?> protocol, Adapter adapter) {
            super(protocol, adapter);
        }

        /** Called on the request's own thread while it holds the connection. */
        private void enlarge() {
            SocketWrapperBase<?> socket = getSocketWrapper();
            if (socket != null && socket.getSocketBufferHandler() != null
                    && socket.getSocketBufferHandler().getWriteBuffer().capacity() < SocketBuffers.LARGE) {
                socket.getSocketBufferHandler().expand(SocketBuffers.LARGE);
            }
        }

        @Override
        public ByteBuffer emptyWriteBuffer() {
            SocketBufferHandler buffers = getSocketWrapper().getSocketBufferHandler();
            buffers.configureWriteBufferForWrite();
            return buffers.getWriteBuffer();
        }

        @Override
        public void sendWriteBuffer() throws IOException {
            getSocketWrapper().flush(true);
        }

        @Override
        public void closeAfterResponse(Throwable cause) {
            response.action(ActionCode.CLOSE_NOW, cause);
        }
    }

    /** Hands each request the enlarge callback of the connection it arrived on. */
    private static final class EnlargingAdapter implements Adapter {
        private final Adapter delegate;
        private EnlargingProcessor processor;

        EnlargingAdapter(Adapter delegate) {
            this.delegate = delegate;
        }

        @Override
        public void service(Request req, Response res) throws Exception {
            req.setAttribute(SocketBuffers.ATTRIBUTE, processor.enlarge);
            req.setAttribute(FileBodies.ATTRIBUTE, processor);
            long length;
            try {
                length = req.getContentLengthLong();
            } catch (RuntimeException e) {
                length = 0; // an invalid Content-Length: Tomcat refuses the request
            }
            if (length >= SocketBuffers.LARGE_BODY
                    || (length < 0 && req.getMimeHeaders().getHeader("transfer-encoding") != null)) {
                processor.enlarge();
            }
            delegate.service(req, res);
        }

        @Override
        public boolean prepare(Request req, Response res) throws Exception {
            return delegate.prepare(req, res);
        }

        @Override
        public boolean asyncDispatch(Request req, Response res, SocketEvent status) throws Exception {
            return delegate.asyncDispatch(req, res, status);
        }

        @Override
        public void log(Request req, Response res, long time) {
            delegate.log(req, res, time);
        }

        @Override
        public void checkRecycled(Request req, Response res) {
            delegate.checkRecycled(req, res);
        }

        @Override
        public String getDomain() {
            return delegate.getDomain();
        }
    }
}
