package io.mooring.api;

import io.mooring.volume.VolumeUpdateService;
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
 * {@code /v3/{project_id}/limits} ({@code cinder absolute-limits}): Mooring has no per-project quotas, so every maximum
 * is -1 (Cinder's "unlimited"), and the totals are what the project really uses. Mooring has no snapshots or backups.
 */
@Path("/v3/limits")
@Produces(MediaType.APPLICATION_JSON)
public class LimitsResource {

    private static final int UNLIMITED = -1;

    @Inject
    VolumeUpdateService updates;

    @Inject
    ApiRequest request;

    @Context
    UriInfo uri;

    @GET
    public Uni<Map<String, Object>> index() {
        return updates.summary(project()).map(used -> {
            Map<String, Object> absolute = new LinkedHashMap<>();
            absolute.put("maxTotalVolumes", UNLIMITED);
            absolute.put("maxTotalSnapshots", UNLIMITED);
            absolute.put("maxTotalVolumeGigabytes", UNLIMITED);
            absolute.put("maxTotalBackups", UNLIMITED);
            absolute.put("maxTotalBackupGigabytes", UNLIMITED);
            absolute.put("totalVolumesUsed", used.count());
            absolute.put("totalGigabytesUsed", used.totalGib());
            absolute.put("totalSnapshotsUsed", 0);
            absolute.put("totalBackupsUsed", 0);
            absolute.put("totalBackupGigabytesUsed", 0);
            return Map.of("limits", Map.of("rate", List.of(), "absolute", absolute));
        });
    }

    /** From 3.39 an admin may ask for another project ({@code project_id}, or the older {@code tenant_id}). */
    private String project() {
        if (!request.admin() || !request.version().atLeast(ApiVersion.LIMITS_ADMIN_FILTER)) {
            return request.projectId();
        }
        String project = uri.getQueryParameters().getFirst("project_id");
        if (project == null) {
            project = uri.getQueryParameters().getFirst("tenant_id");
        }
        return project == null ? request.projectId() : project;
    }
}
