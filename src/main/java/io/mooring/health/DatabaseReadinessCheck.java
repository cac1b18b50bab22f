package io.mooring.health;

import io.mooring.boot.PostgresSupervisor;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Ready while the database answers {@code SELECT 1} through the application's own pool (and, embedded, while its
 * supervisor reports it UP). Replaces Quarkus' datasource checks, which log a stack trace on every failed probe: this
 * one logs only when the probe's answer changes.
 */
@Readiness
@ApplicationScoped
public class DatabaseReadinessCheck implements AsyncHealthCheck {

    private static final Logger LOG = Logger.getLogger(DatabaseReadinessCheck.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final Pool pool;
    private final AtomicBoolean reachable = new AtomicBoolean(true);

    public DatabaseReadinessCheck(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        var response = HealthCheckResponse.named("database");
        var supervisor = DatabaseAvailability.supervisor();
        supervisor.ifPresent(s -> response.withData("embedded", s.state().name()));
        if (supervisor.map(s -> s.state() != PostgresSupervisor.State.UP).orElse(false)) {
            return Uni.createFrom().item(response.down().build());
        }
        return pool.query("SELECT 1").execute()
                .ifNoItem().after(PROBE_TIMEOUT).fail()
                .map(rows -> {
                    if (reachable.compareAndSet(false, true)) {
                        LOG.info("The database answers again");
                    }
                    return response.up().build();
                })
                .onFailure().recoverWithItem(failure -> {
                    if (reachable.compareAndSet(true, false)) {
                        LOG.warnf("The database does not answer (%s); readiness is DOWN", failure.toString());
                    }
                    return response.down().withData("error", String.valueOf(failure.getMessage())).build();
                });
    }
}
