package dev.wharf.server.web;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Reading a URL the management API is given for Wharf to call (a webhook's receiver, a cache's
 * upstream, a replication target): every mistake is a 400 {@code UNSUPPORTED} that says what is wrong.
 */
public final class HttpUrls {

    /** The longest URL accepted. */
    public static final int MAX_LENGTH = 2000;

    private HttpUrls() {
    }

    /**
     * {@code url} as an absolute http or https URL with a host and no credentials in it.
     *
     * @param example         shown when the scheme or host is missing (may be empty)
     * @param credentialsHint what to do instead of putting credentials in the URL
     */
    public static URI absolute(String url, String example, String credentialsHint) {
        if (url.length() > MAX_LENGTH) {
            throw badRequest("url has at most " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw badRequest("url is not a valid URL");
        }
        if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
            throw badRequest("url must be an absolute http or https URL with a host" + example);
        }
        if (uri.getRawUserInfo() != null) {
            throw badRequest("url must not hold credentials; " + credentialsHint);
        }
        return uri;
    }

    private static OciException badRequest(String message) {
        return new OciException(OciErrorCode.UNSUPPORTED, 400, message, null);
    }
}
