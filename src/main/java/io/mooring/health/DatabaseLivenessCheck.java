package io.mooring.health;

import io.mooring.boot.PostgresSupervisor;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live unless the embedded PostgreSQL's recovery has failed for longer than {@code mooring.database.give-up-after}:
 * a database outage alone is no reason to restart Mooring (and drop its iSCSI sessions), a hopeless one is. An external
 * database is not Mooring's to restart, so it never affects liveness.
 */
@Liveness
@ApplicationScoped
public class DatabaseLivenessCheck implements HealthCheck {

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("database-recovery");
        return DatabaseAvailability.supervisor()
                .map(supervisor -> response.status(supervisor.state() != PostgresSupervisor.State.GAVE_UP)
                        .withData("embedded", supervisor.state().name()))
                .orElseGet(() -> response.up().withData("embedded", "no"))
                .build();
    }
}
