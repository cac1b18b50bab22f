package io.mooring.api;

import io.mooring.health.ApplianceServices;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /v3/{project_id}/os-services} ({@code cinder service-list}, admins only): this appliance's API and volume
 * backends as Cinder's service rows, their state taken at the time of asking (so {@code updated_at} is that time).
 */
@Path("/v3/os-services")
@Produces(MediaType.APPLICATION_JSON)
public class ServiceResource {

    @Inject
    ApplianceServices services;

    @Inject
    ApiRequest request;

    @Context
    UriInfo uri;

    @GET
    public Uni<Map<String, Object>> index() {
        if (!request.admin()) {
            throw CinderFault.forbidden("volume_extension:services:index");
        }
        String host = uri.getQueryParameters().getFirst("host");
        String binary = uri.getQueryParameters().getFirst("binary");
        return services.now().map(found -> {
            String now = Views.time(io.mooring.volume.VolumeService.now());
            List<Map<String, Object>> rows = found.stream()
                    .filter(s -> (host == null || host.equals(s.host())) && (binary == null || binary.equals(s.binary())))
                    .map(s -> row(s, now))
                    .toList();
            return Map.of("services", rows);
        });
    }

    /** Cinder's fields in its order; os-extended-services' always (Cinder loads that extension by default). */
    private Map<String, Object> row(ApplianceServices.Service service, String now) {
        boolean volume = service.binary().equals("cinder-volume");
        String state = service.up() ? "up" : "down";
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("binary", service.binary());
        row.put("host", service.host());
        row.put("zone", request.availabilityZone());
        row.put("status", "enabled");
        row.put("state", state);
        row.put("updated_at", now);
        if (volume && request.version().atLeast(ApiVersion.BACKEND_STATE_REPORT)) {
            row.put("backend_state", state);
        }
        if (request.version().atLeast(ApiVersion.CLUSTER_SUPPORT)) {
            row.put("cluster", null);
        }
        row.put("disabled_reason", null);
        if (volume) {
            row.put("replication_status", "disabled");
            row.put("active_backend_id", null);
            row.put("frozen", false);
        }
        return row;
    }
}
