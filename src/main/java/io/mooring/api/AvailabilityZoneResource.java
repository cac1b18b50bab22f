package io.mooring.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;

/**
 * {@code /v3/{project_id}/os-availability-zone} ({@code cinder availability-zone-list}): the appliance's one zone,
 * {@code mooring.availability-zone}. Cinder calls a zone available unless all its volume services are disabled, and
 * Mooring's never are.
 */
@Path("/v3/os-availability-zone")
@Produces(MediaType.APPLICATION_JSON)
public class AvailabilityZoneResource {

    @Inject
    ApiRequest request;

    @GET
    public Map<String, Object> index() {
        return Map.of("availabilityZoneInfo", List.of(Map.of(
                "zoneName", request.availabilityZone(),
                "zoneState", Map.of("available", true))));
    }
}
