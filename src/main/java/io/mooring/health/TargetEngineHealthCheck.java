package io.mooring.health;

import io.mooring.export.TargetEngineExporter;
import io.mooring.engine.TargetEngine;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Ready and live while the iSCSI portal listens; reports where and how many sessions it serves. */
@Readiness
@Liveness
@ApplicationScoped
public class TargetEngineHealthCheck implements HealthCheck {

    private final TargetEngineExporter exporter;

    public TargetEngineHealthCheck(TargetEngineExporter exporter) {
        this.exporter = exporter;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("iscsi-target");
        TargetEngine engine = exporter.engine();
        if (engine == null) {
            return response.down().build();
        }
        return response.up()
                .withData("portal", exporter.portal())
                .withData("listening", engine.localAddress().toString())
                .withData("sessions", engine.sessions().size())
                .build();
    }
}
