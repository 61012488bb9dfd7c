package dev.wharf.server.web;

import jakarta.servlet.ServletRequest;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The access log: one line per HTTP request on the logger {@value #LOGGER}, written when the
 * answer is finished (the line's timestamp), for example
 *
 * <pre>
 * 203.0.113.7 dana "GET /v2/dana/app/manifests/v1" 200 in=0 out=623 1.402ms id=4f1c0b9e2d7a41c3b1e0f6a2c9d85e17
 * </pre>
 *
 * client address, principal ({@code -} when anonymous), method and path with a sanitized query,
 * status, request body bytes read, response bytes written, duration, request id. With structured
 * logging ({@code logging.structured.format.console}) the same values are also fields of the JSON
 * event (ECS names: {@code client.address}, {@code user.name}, {@code http.request.method},
 * {@code url.path}, {@code url.query}, {@code http.response.status_code},
 * {@code http.request.body.bytes}, {@code http.response.body.bytes}, {@code event.duration} in
 * nanoseconds, {@code http.request.id}).
 *
 * <p>Every request gets an id: the client's {@value #REQUEST_ID_HEADER} when it is acceptable
 * (see {@link #acceptableRequestId}), otherwise a new random one. It is echoed in the response
 * header of the same name and kept in the logging MDC as {@value #MDC_REQUEST_ID} while the request
 * runs, so other lines logged for the request carry it too.
 *
 * <p>Nothing secret is logged: no header is, the principal is a name, and of the query string only
 * the values of parameters known to carry no secret are kept ({@link #sanitizedQuery}).
 * {@code wharf.access-log.enabled=false} turns the lines off (the request id stays).
 */
public final class AccessLog {

    /** The logger the lines go to (outside {@code dev.wharf}, so its level is set on its own). */
    public static final String LOGGER = "wharf.access";

    /** The request and response header carrying the request id. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    /** The MDC key holding the request id while a request runs. */
    public static final String MDC_REQUEST_ID = "requestId";

    /** The longest request id accepted from a client. */
    public static final int MAX_REQUEST_ID_LENGTH = 128;

    static final String PRINCIPAL_ATTRIBUTE = AccessLog.class.getName() + ".principal";
    public static final String REQUEST_ID_ATTRIBUTE = AccessLog.class.getName() + ".requestId";

    /** Query parameters of the API whose values are never secret. */
    private static final Set<String> PLAIN_PARAMETERS = Set.of("digest", "mount", "from", "n", "last", "tag",
            "artifactType", "service", "scope", "account", "client_id", "offline_token", "grant_type",
            "access_type", "username");

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private AccessLog() {
    }

    /** Records who made {@code request}, for its access log line; {@code name} is a user or robot name. */
    public static void principal(ServletRequest request, String name) {
        request.setAttribute(PRINCIPAL_ATTRIBUTE, name);
    }

    /** The id of {@code request} (set before any filter runs), or null outside a request. */
    public static String requestId(ServletRequest request) {
        return (String) request.getAttribute(REQUEST_ID_ATTRIBUTE);
    }

    /**
     * Whether a client's request id is used as it is: 1 to {@value #MAX_REQUEST_ID_LENGTH}
     * characters from {@code A-Z a-z 0-9 . _ : = + / @ -} (UUIDs, hex ids, base64, trace headers
     * such as {@code Root=1-5e1b4151-...}). Anything else could forge log lines or bloat them, and is
     * replaced by a new id.
     */
    static boolean acceptableRequestId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_REQUEST_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == ':' || c == '=' || c == '+' || c == '/' || c == '@';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** A new request id: 128 random bits as 32 hex digits (unique enough to correlate, not a secret). */
    static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[32];
        long high = random.nextLong();
        long low = random.nextLong();
        for (int i = 0; i < 16; i++) {
            id[i] = HEX[(int) (high >>> (60 - 4 * i)) & 0xf];
            id[16 + i] = HEX[(int) (low >>> (60 - 4 * i)) & 0xf];
        }
        return new String(id);
    }

    /**
     * The query string as logged: parameters the API knows to be harmless keep their values; any
     * other parameter (a {@code password} or {@code refresh_token} a client put in the URL of
     * {@code POST /token}, say) becomes {@code ***}, name and value.
     *
     * @return null for no query string
     */
    static String sanitizedQuery(String query) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        StringBuilder out = new StringBuilder(query.length());
        int start = 0;
        while (start <= query.length()) {
            int end = query.indexOf('&', start);
            if (end < 0) {
                end = query.length();
            }
            if (end > start) {
                int eq = query.indexOf('=', start);
                String name = query.substring(start, eq < 0 || eq > end ? end : eq);
                if (!out.isEmpty()) {
                    out.append('&');
                }
                if (PLAIN_PARAMETERS.contains(name)) {
                    out.append(query, start, end);
                } else {
                    out.append("***");
                }
            }
            start = end + 1;
        }
        return out.toString();
    }
}
