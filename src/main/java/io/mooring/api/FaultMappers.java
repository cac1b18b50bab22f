package io.mooring.api;

import io.mooring.domain.DomainError;
import io.mooring.export.ExportException;
import io.mooring.health.DatabaseAvailability;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves as Cinder's envelope {@code {"<faultName>": {"code": N, "message": "..."}}}; nothing leaks a stack. */
public class FaultMappers {

    private static final Logger LOG = Logger.getLogger(FaultMappers.class);

    static final String DATABASE_UNAVAILABLE = "The service is temporarily unavailable: its database cannot be reached. Try again shortly.";

    static final String INTERNAL = "The server has either erred or is incapable of performing the requested operation.";

    public static Response response(CinderFault fault) {
        return envelope(fault.status(), fault.getMessage());
    }

    static Response envelope(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(envelopeBody(status, message)).build();
    }

    /** The envelope itself, also written by {@link HttpHygiene} for requests refused before RESTEasy sees them. */
    static Map<String, Object> envelopeBody(int status, String message) {
        Map<String, Object> fault = new LinkedHashMap<>();
        fault.put("code", status);
        fault.put("message", message);
        return Map.of(CinderFault.faultName(status), fault);
    }

    @ServerExceptionMapper
    public Response cinderFault(CinderFault fault) {
        return response(fault);
    }

    @ServerExceptionMapper
    public Response domainError(DomainError error) {
        return response(DomainFaults.of(error));
    }

    @ServerExceptionMapper
    public Response exportFailed(ExportException e) {
        LOG.errorf("Export failed: %s", e.getMessage());
        return envelope(500, "Unable to export the volume (" + e.getMessage() + ").");
    }

    /** Routing errors (unknown path, wrong method, bad media type) from the framework. */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("Request failed", e);
            return envelope(500, INTERNAL);
        }
        String message = switch (status) {
            case 404 -> "The resource could not be found.";
            case 405 -> "The method specified is not allowed for this resource.";
            case 415 -> "Unsupported Content-Type";
            default -> "The server could not comply with the request since it is either malformed or otherwise incorrect.";
        };
        return envelope(status, message);
    }

    /**
     * An unreachable database is an outage, not a bug: 503 with Cinder's envelope and a Retry-After, and no log line
     * per request (the supervisor and the readiness check log each change of state once).
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (DatabaseAvailability.isUnavailable(e)) {
            return Response.fromResponse(envelope(503, DATABASE_UNAVAILABLE)).header("Retry-After", "5").build();
        }
        LOG.error("Request failed", e);
        return envelope(500, INTERNAL);
    }
}
