package io.mooring.console;

import io.quarkus.vertx.http.runtime.filters.Filters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * {@code /console} leads to the console's page, {@code /console/} (its files are static resources under
 * {@code META-INF/resources/console}, which Quarkus serves only below the directory's own path).
 */
@ApplicationScoped
public class ConsoleEntry {

    void register(@Observes Filters filters) {
        filters.register(context -> {
            if ("/console".equals(context.normalizedPath())) {
                context.response().setStatusCode(302).putHeader("Location", "/console/").end();
            } else {
                context.next();
            }
        }, 90);
    }
}
