package io.mooring.space;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Not ready in the low-space state (nothing can be created or written); reports the last reading either way. */
@Readiness
@ApplicationScoped
public class SpaceHealthCheck implements HealthCheck {

    private final SpaceMonitor monitor;

    public SpaceHealthCheck(SpaceMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public HealthCheckResponse call() {
        SpaceMonitor.Sample last = monitor.last();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("disk-space").status(!monitor.low())
                .withData("postgresReserveBytes", monitor.reserveBytes());
        if (last != null) { // null only until the first reading at start-up
            response.withData("totalBytes", last.totalBytes()).withData("usableBytes", last.usableBytes());
        }
        return response.build();
    }
}
