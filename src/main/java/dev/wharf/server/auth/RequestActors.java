package dev.wharf.server.auth;

import dev.wharf.server.events.Actor;
import dev.wharf.server.events.Actors;
import dev.wharf.server.web.AccessLog;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/** The audit log's view of the current request: its principal, client address and request id. */
@Component
public class RequestActors implements Actors {

    private final AccessPolicy access;

    RequestActors(AccessPolicy access) {
        this.access = access;
    }

    @Override
    public Actor current() {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        if (!(attributes instanceof ServletRequestAttributes servlet)) {
            return Actor.SYSTEM;
        }
        HttpServletRequest request = servlet.getRequest();
        return of(access.current()).from(request.getRemoteAddr(), requestId(request));
    }

    /** The actor a principal is, without address. */
    public static Actor of(Principal principal) {
        if (principal instanceof Principal.User u) {
            return new Actor(u.name(), "user", null, null);
        }
        if (principal instanceof Principal.PersonalToken t) {
            return new Actor(t.owner().name(), "token", null, null);
        }
        if (principal instanceof Principal.Robot r) {
            return new Actor(r.subject(), "robot", null, null);
        }
        if (principal instanceof Principal.Bearer b && b.subject() != null) {
            String kind = b.tokenId() != null ? "token" : b.subject().contains(Principal.Robot.SEPARATOR) ? "robot" : "user";
            return new Actor(b.subject(), kind, null, null);
        }
        return new Actor(null, "anonymous", null, null);
    }

    static String requestId(HttpServletRequest request) {
        Object id = request.getAttribute(AccessLog.REQUEST_ID_ATTRIBUTE);
        return id instanceof String s ? s : null;
    }
}
