package io.mooring.export;

import io.mooring.api.ApiRequest;
import io.mooring.api.CinderFault;
import io.mooring.engine.SessionInfo;
import io.mooring.engine.TargetEngine;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Mooring's own admin view of the iSCSI sessions logged in now, with their counters:
 * {@code GET /mooring/sessions[?target=<iqn>]} → {@code {"sessions": [...]}}. No secret is part of a session's view.
 */
@Path("/mooring/sessions")
@RegisterForReflection(targets = SessionInfo.class)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "sessions")
public class SessionResource {

    private final ApiRequest request;
    private final TargetEngineExporter exporter;

    public SessionResource(ApiRequest request, TargetEngineExporter exporter) {
        this.request = request;
        this.exporter = exporter;
    }

    @GET
    @Operation(summary = "The iSCSI sessions logged in now", description = "With their counters; ?target=<iqn> keeps one"
            + " target's (a volume's target is <iqn-prefix>:volume-<volume id>).")
    public Map<String, List<SessionInfo>> list(@QueryParam("target") String target) {
        if (!request.admin()) {
            throw CinderFault.forbidden("mooring:sessions:list");
        }
        TargetEngine engine = exporter.engine();
        List<SessionInfo> sessions = engine == null ? List.of()
                : engine.sessions().stream().filter(s -> target == null || s.targetIqn().equals(target)).toList();
        return Map.of("sessions", sessions);
    }
}
