package io.mooring.api;

import io.mooring.auth.TokenService;
import io.mooring.health.DatabaseAvailability;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * {@code /q/openapi} answers admins only, with Cinder's envelope for everyone else (401 without a known token, 403
 * for a member's), as Mooring's own endpoints do. It is served by Quarkus outside JAX-RS, so {@link ApiFilters} never
 * sees it; this route filter runs before it. Swagger UI's page itself is static and public; it reads the document
 * with the token the console keeps in the tab (see application.properties).
 */
@ApplicationScoped
public class OpenApiAccess {

    private static final Logger LOG = Logger.getLogger(OpenApiAccess.class);
    private static final String DOCUMENT = "/q/openapi";

    private final TokenService tokens;

    public OpenApiAccess(TokenService tokens) {
        this.tokens = tokens;
    }

    void register(@Observes Filters filters) {
        filters.register(this::guard, 100);
    }

    private void guard(RoutingContext context) {
        if (!context.normalizedPath().startsWith(DOCUMENT)) {
            context.next();
            return;
        }
        tokens.authenticate(context.request().getHeader("X-Auth-Token")).subscribe().with(principal -> {
            if (principal == null) {
                refuse(context, new CinderFault(401, "The request you have made requires authentication."));
            } else if (!principal.admin()) {
                refuse(context, CinderFault.forbidden("mooring:openapi:read"));
            } else {
                context.next();
            }
        }, failure -> {
            if (DatabaseAvailability.isUnavailable(failure)) {
                context.response().putHeader("Retry-After", "5");
                refuse(context, new CinderFault(503, FaultMappers.DATABASE_UNAVAILABLE));
            } else {
                LOG.error("Request failed", failure);
                refuse(context, new CinderFault(500, FaultMappers.INTERNAL));
            }
        });
    }

    private static void refuse(RoutingContext context, CinderFault fault) {
        JsonObject body = new JsonObject().put(CinderFault.faultName(fault.status()),
                new JsonObject().put("code", fault.status()).put("message", fault.getMessage()));
        context.response().setStatusCode(fault.status()).putHeader("Content-Type", "application/json").end(body.encode());
    }
}
