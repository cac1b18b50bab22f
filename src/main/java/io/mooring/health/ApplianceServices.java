package io.mooring.health;

import io.mooring.boot.MooringConfig;
import io.mooring.export.TargetEngineExporter;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * This appliance's parts as Cinder's services: the API ({@code cinder-api}, up while the database answers) and one
 * {@code cinder-volume} per backend (file volumes, and raw devices when configured; up while the iSCSI target listens).
 * The state is taken when asked, so there is no heartbeat to go stale.
 */
@ApplicationScoped
public class ApplianceServices {

    /** Cinder's host of this appliance; backends are {@code mooring@file} and {@code mooring@raw}. */
    public static final String HOST = "mooring";

    public record Service(String binary, String host, boolean up) {
    }

    @Inject
    @Readiness
    DatabaseReadinessCheck database;

    @Inject
    TargetEngineExporter target;

    @Inject
    MooringConfig config;

    public Uni<List<Service>> now() {
        return database.call().map(answer -> {
            boolean listening = target.isRunning();
            List<Service> services = new ArrayList<>();
            services.add(new Service("cinder-api", HOST, answer.getStatus() == HealthCheckResponse.Status.UP));
            services.add(new Service("cinder-volume", HOST + "@file", listening));
            if (config.backend().rawDevices().map(devices -> !devices.isEmpty()).orElse(false)) {
                services.add(new Service("cinder-volume", HOST + "@raw", listening));
            }
            return services;
        });
    }
}
