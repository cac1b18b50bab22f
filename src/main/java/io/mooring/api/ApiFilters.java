package io.mooring.api;

import io.mooring.auth.Principal;
import io.mooring.auth.TokenService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * The Cinder request pipeline, in Cinder's order: token, microversion, project id in the URL (the body size limit comes
 * first, in {@link HttpHygiene}).
 * {@code /v3/{project_id}/x} is rewritten to {@code /v3/x} so each resource is written once for both URL forms.
 */
public class ApiFilters {

    static final String REQUEST_ID = "mooring.request-id";
    static final String VERSION = "mooring.api-version";

    @Inject
    TokenService tokens;

    @Inject
    ApiRequest apiRequest;

    @ServerRequestFilter(preMatching = true)
    public Uni<Response> authenticate(ContainerRequestContext request) {
        request.setProperty(REQUEST_ID, newRequestId());
        String path = request.getUriInfo().getPath();
        boolean api = path.startsWith("/v3/") && !path.equals("/v3/");
        boolean admin = path.startsWith("/mooring/");
        if (!api && !admin) {
            return Uni.createFrom().nullItem();
        }
        return tokens.authenticate(request.getHeaderString("X-Auth-Token")).map(principal -> {
            if (principal == null) {
                return FaultMappers.response(new CinderFault(401, "The request you have made requires authentication."));
            }
            if (admin) {
                apiRequest.authenticated(principal, principal.projectId());
                return null;
            }
            try {
                ApiVersion version = ApiVersion.fromHeader(String.join(",", request.getHeaders().getOrDefault(ApiVersion.HEADER, List.of())));
                request.setProperty(VERSION, version);
                apiRequest.version(version);
                scopeToProject(request, path, principal);
                return null;
            } catch (CinderFault fault) {
                if (fault.version() != null) {
                    request.setProperty(VERSION, fault.version());
                }
                return FaultMappers.response(fault);
            }
        });
    }

    /** Cinder's request id form. */
    static String newRequestId() {
        return "req-" + UUID.randomUUID();
    }

    private void scopeToProject(ContainerRequestContext request, String path, Principal principal) {
        String rest = path.substring("/v3/".length());
        int slash = rest.indexOf('/');
        String first = slash < 0 ? rest : rest.substring(0, slash);
        if (!TokenService.PROJECT_ID.matcher(first).matches()) {
            apiRequest.authenticated(principal, principal.projectId());
            return;
        }
        if (!first.equals(principal.projectId()) && !principal.admin()) {
            throw CinderFault.badRequest("Malformed request url");
        }
        apiRequest.authenticated(principal, first);
        if (slash < 0) {
            return;
        }
        URI uri = request.getUriInfo().getRequestUri();
        String rawRest = uri.getRawPath().substring(("/v3/" + first + "/").length());
        request.setRequestUri(uri.resolve("/v3/" + rawRest + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())));
    }

    /** Request ids on every answer; the microversion echo and Vary on every versioned one, errors included. */
    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        MultivaluedMap<String, Object> headers = response.getHeaders();
        Object requestId = request.getProperty(REQUEST_ID);
        if (requestId != null) {
            headers.putSingle("x-compute-request-id", requestId);
            headers.putSingle("x-openstack-request-id", requestId);
        }
        Object version = request.getProperty(VERSION);
        if (version != null) {
            headers.putSingle(ApiVersion.HEADER, "volume " + version);
            headers.putSingle("Vary", ApiVersion.HEADER);
        }
    }
}
