package io.kafkabridge.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code http.allowedOrigins} on the bridges' endpoints (every WebSocket upgrade and SockJS HTTP request): a request
 * whose {@code Origin} is neither the gateway's own (same host and port as its {@code Host} header) nor allowed is
 * refused with 403 before any bridge sees it, so that a page on another site cannot open a session with its visitor's
 * cookies or network position (cross-site WebSocket hijacking). Requests without {@code Origin} (non-browser clients)
 * pass. Entries are exact origins ({@code https://app.example.com}), {@code https://*.example.com} (any subdomain), or
 * {@code "*"} (every origin).
 */
final class OriginCheck {

    private static final Logger LOG = LoggerFactory.getLogger(OriginCheck.class);

    private final boolean anyOrigin;
    private final List<Pattern> allowed = new ArrayList<>();

    OriginCheck(List<String> allowedOrigins) {
        boolean any = false;
        for (String origin : allowedOrigins) {
            if ("*".equals(origin)) {
                any = true;
                continue;
            }
            StringBuilder regex = new StringBuilder();
            String[] parts = origin.toLowerCase(Locale.ROOT).split("\\*", -1);
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    regex.append("[a-z0-9-]+(?:\\.[a-z0-9-]+)*");
                }
                regex.append(Pattern.quote(parts[i]));
            }
            allowed.add(Pattern.compile(regex.toString()));
        }
        this.anyOrigin = any;
    }

    /**
     * @param origin the request's {@code Origin}, or {@code null}
     * @param host   the request's {@code Host}, or {@code null}
     */
    boolean allows(String origin, String host) {
        if (origin == null || anyOrigin) {
            return true;
        }
        String normalized = origin.toLowerCase(Locale.ROOT);
        int scheme = normalized.indexOf("://");
        if (host != null && scheme > 0 && normalized.substring(scheme + 3).equals(host.toLowerCase(Locale.ROOT))) {
            return true;
        }
        for (Pattern pattern : allowed) {
            if (pattern.matcher(normalized).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Route handler: refuses a request from an origin that is not allowed with 403, lets the others through.
     */
    void check(RoutingContext ctx) {
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        if (allows(origin, ctx.request().getHeader(HttpHeaders.HOST))) {
            ctx.next();
            return;
        }
        LOG.warn("Request {} {} from {} refused: origin {} is not in http.allowedOrigins", ctx.request().method(),
            ctx.request().path(), ctx.request().remoteAddress(), origin);
        ctx.response().setStatusCode(403).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
            .end("Origin " + origin + " is not allowed (http.allowedOrigins)\n");
    }
}
