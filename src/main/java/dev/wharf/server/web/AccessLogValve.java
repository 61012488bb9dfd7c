package dev.wharf.server.web;

import jakarta.servlet.ServletException;
import java.io.IOException;
import org.apache.catalina.Globals;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Gives every request its id (see {@link AccessLog}) and writes its access log line. As an
 * {@link org.apache.catalina.AccessLog} in the engine pipeline, Tomcat calls {@link #log} once per
 * request after the answer is finished, with the time it took, also for requests refused before
 * they reached the application.
 *
 * <p>Cost on the hot path: one header read and validation (or 128 random bits), one response header,
 * an MDC entry, and one log call formatting a short line; nothing when the logger is off.
 */
final class AccessLogValve extends ValveBase implements org.apache.catalina.AccessLog {

    private static final Logger log = LoggerFactory.getLogger(AccessLog.LOGGER);

    private final boolean enabled;
    private final boolean structured;
    private boolean requestAttributesEnabled = true;

    /**
     * @param enabled    whether lines are written at all
     * @param structured whether the values are added as key-value pairs too, for a structured
     *                   (JSON) log format
     */
    AccessLogValve(boolean enabled, boolean structured) {
        super(true);
        this.enabled = enabled;
        this.structured = structured;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        String id = request.getHeader(AccessLog.REQUEST_ID_HEADER);
        if (!AccessLog.acceptableRequestId(id)) {
            id = AccessLog.newRequestId();
        }
        request.setAttribute(AccessLog.REQUEST_ID_ATTRIBUTE, id);
        response.setHeader(AccessLog.REQUEST_ID_HEADER, id);
        MDC.put(AccessLog.MDC_REQUEST_ID, id);
        try {
            getNext().invoke(request, response);
        } finally {
            MDC.remove(AccessLog.MDC_REQUEST_ID);
        }
    }

    @Override
    public void log(Request request, Response response, long nanos) {
        if (!enabled || !log.isInfoEnabled()) {
            return;
        }
        String client = remoteAddress(request);
        Object principalAttribute = request.getAttribute(AccessLog.PRINCIPAL_ATTRIBUTE);
        String principal = principalAttribute instanceof String name ? name : "-";
        String method = request.getMethod();
        String path = request.getRequestURI();
        String query = AccessLog.sanitizedQuery(request.getQueryString());
        int status = response.getStatus();
        long in = request.getCoyoteRequest().getBytesRead();
        long out = bytesWritten(request, response);
        Object idAttribute = request.getAttribute(AccessLog.REQUEST_ID_ATTRIBUTE);
        String id = idAttribute instanceof String s ? s : "-";

        StringBuilder line = new StringBuilder(160);
        line.append(client).append(' ').append(principal).append(" \"").append(method).append(' ').append(path);
        if (query != null) {
            line.append('?').append(query);
        }
        line.append("\" ").append(status).append(" in=").append(in).append(" out=").append(out).append(' ');
        long micros = nanos / 1000;
        line.append(micros / 1000).append('.');
        long fraction = micros % 1000;
        if (fraction < 100) {
            line.append(fraction < 10 ? "00" : "0");
        }
        line.append(fraction).append("ms id=").append(id);

        if (!structured) {
            log.info(line.toString());
            return;
        }
        LoggingEventBuilder event = log.atInfo()
                .addKeyValue("client.address", client)
                .addKeyValue("http.request.method", method)
                .addKeyValue("url.path", path)
                .addKeyValue("http.response.status_code", status)
                .addKeyValue("http.request.body.bytes", in)
                .addKeyValue("http.response.body.bytes", out)
                .addKeyValue("event.duration", nanos)
                .addKeyValue("http.request.id", id);
        if (principalAttribute instanceof String name) {
            event = event.addKeyValue("user.name", name);
        }
        if (query != null) {
            event = event.addKeyValue("url.query", query);
        }
        event.log(line.toString());
    }

    /** The client's address; the one a trusted proxy reported when Tomcat's RemoteIpValve is on. */
    private String remoteAddress(Request request) {
        if (requestAttributesEnabled) {
            Object forwarded = request.getAttribute(REMOTE_ADDR_ATTRIBUTE);
            if (forwarded instanceof String address) {
                return address;
            }
        }
        String address = request.getRemoteAddr();
        return address == null ? "-" : address;
    }

    /** Body bytes sent, counting a sendfile transfer (as Tomcat's own access log does) and {@link FileBodies}. */
    private static long bytesWritten(Request request, Response response) {
        long written = response.getBytesWritten(false);
        if (request.getAttribute(FileBodies.BYTES_SENT) instanceof Long sent) {
            written = Math.max(written, 0) + sent;
        }
        if (written <= 0 && request.getAttribute(Globals.SENDFILE_FILE_START_ATTR) instanceof Long start
                && request.getAttribute(Globals.SENDFILE_FILE_END_ATTR) instanceof Long end) {
            written = end - start;
        }
        return Math.max(written, 0);
    }

    @Override
    public void setRequestAttributesEnabled(boolean requestAttributesEnabled) {
        this.requestAttributesEnabled = requestAttributesEnabled;
    }

    @Override
    public boolean getRequestAttributesEnabled() {
        return requestAttributesEnabled;
    }
}
