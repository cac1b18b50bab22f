package io.mooring.api;

import io.mooring.auth.TokenService;
import io.mooring.health.DatabaseAvailability;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * {@code /q/metrics} is for admins: the Prometheus endpoint is a Vert.x route of Quarkus' own, outside JAX-RS, so
 * the token is checked by a route ahead of it, with the same tokens and Cinder's envelope as the API (401 without a
 * known token, 403 for a member). Prometheus sends a bearer token, so that is accepted here too. A verified token is remembered by {@link TokenService}, so once an admin has
 * scraped, scrapes go on during a database outage. Nothing is logged per scrape.
 */
@ApplicationScoped
public class MetricsAccess {

    static final String PATH = "/q/metrics";
    private static final String BEARER = "Bearer ";

    private static final Logger LOG = Logger.getLogger(MetricsAccess.class);

    void guard(@Observes Router router, TokenService tokens) {
        router.route(PATH).order(Integer.MIN_VALUE).handler(request -> admit(request, tokens));
        router.route(PATH + "/*").order(Integer.MIN_VALUE).handler(request -> admit(request, tokens));
    }

    private static void admit(RoutingContext request, TokenService tokens) {
        tokens.authenticate(token(request)).subscribe().with(principal -> {
            if (principal == null) {
                refuse(request, 401, "The request you have made requires authentication.");
            } else if (!principal.admin()) {
                refuse(request, 403, CinderFault.forbidden("mooring:metrics:read").getMessage());
            } else {
                request.next();
            }
        }, failure -> {
            if (!DatabaseAvailability.isUnavailable(failure)) {
                LOG.error("Checking a metrics scraper's token failed", failure);
            }
            request.response().putHeader("Retry-After", "5");
            refuse(request, 503, FaultMappers.DATABASE_UNAVAILABLE);
        });
    }

    /** {@code X-Auth-Token} as everywhere, or the bearer token Prometheus' {@code authorization} setting sends. */
    private static String token(RoutingContext request) {
        String token = request.request().getHeader("X-Auth-Token");
        String authorization = request.request().getHeader("Authorization");
        if (token == null && authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return authorization.substring(BEARER.length()).trim();
        }
        return token;
    }

    private static void refuse(RoutingContext request, int status, String message) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(Json.encode(FaultMappers.body(status, message)));
    }
}
