package io.mooring.space;

import io.mooring.api.CinderFault;
import io.mooring.api.FaultMappers;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * In the low-space state, API calls that create or change something answer 503 with Cinder's envelope (the database
 * needs what room is left to stay up). Reads keep working, and so do deletes: they are how space comes back.
 */
public class LowSpaceFilter {

    static final String MESSAGE = "The server is currently unavailable. Please try again at a later time."
            + " (Mooring's data filesystem is full: volume writes and changes are refused until space is freed.)";
    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH");
    /** Seconds; the monitor reads the filesystem about once a second. */
    private static final String RETRY_AFTER = "5";

    private final SpaceMonitor monitor;

    public LowSpaceFilter(SpaceMonitor monitor) {
        this.monitor = monitor;
    }

    @ServerRequestFilter
    public Response refuseChangesWhileLow(ContainerRequestContext request) {
        if (!monitor.low() || !MUTATING.contains(request.getMethod())) {
            return null;
        }
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/v3/") && !path.startsWith("/mooring/")) {
            return null;
        }
        return Response.fromResponse(FaultMappers.response(new CinderFault(503, MESSAGE))).header("Retry-After", RETRY_AFTER).build();
    }
}
