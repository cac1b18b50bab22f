package io.mooring.api;

import io.mooring.auth.Principal;
import io.mooring.auth.TokenService;
import io.mooring.boot.MooringConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * The Cinder request pipeline, in Cinder's order: token, microversion, request Content-Type, project id in the URL
 * (version documents: microversion only); the body size limit comes first, in {@link HttpHygiene}.
 * {@code /v3/{project_id}/x} is rewritten to {@code /v3/x} so each resource is written once for both URL forms.
 */
public class ApiFilters {

    static final String REQUEST_ID = "mooring.request-id";
    static final String VERSION = "mooring.api-version";

    @Inject
    TokenService tokens;

    @Inject
    ApiRequest apiRequest;

    @Inject
    MooringConfig config;

    private static final Set<String> JSON_TYPES = Set.of("application/json", "application/vnd.openstack.volume+json");

    @ServerRequestFilter(preMatching = true)
    public Uni<Response> authenticate(ContainerRequestContext request, HttpServerRequest connection) {
        request.setProperty(REQUEST_ID, newRequestId());
        String path = request.getUriInfo().getPath();
        boolean versions = path.equals("/") || path.equals("/v3/");
        boolean api = path.startsWith("/v3/") && !versions;
        boolean admin = path.startsWith("/mooring/");
        if (!api && !admin && !versions) {
            return Uni.createFrom().nullItem();
        }
        apiRequest.endpoint(endpoint(connection));
        if (versions) {
            // Version documents need no token but honour the microversion header like every other call.
            try {
                negotiate(request);
                return Uni.createFrom().nullItem();
            } catch (CinderFault fault) {
                return Uni.createFrom().item(refuse(request, fault));
            }
        }
        return tokens.authenticate(request.getHeaderString("X-Auth-Token")).map(principal -> {
            if (principal == null) {
                return FaultMappers.response(new CinderFault(401, "The request you have made requires authentication."));
            }
            try {
                if (admin) {
                    requireJsonBody(request);
                    apiRequest.authenticated(principal, principal.projectId());
                    return null;
                }
                negotiate(request);
                requireJsonBody(request);
                scopeToProject(request, path, principal);
                return null;
            } catch (CinderFault fault) {
                return refuse(request, fault);
            }
        });
    }

    private void negotiate(ContainerRequestContext request) {
        ApiVersion version = ApiVersion.fromHeader(String.join(",", request.getHeaders().getOrDefault(ApiVersion.HEADER, List.of())));
        request.setProperty(VERSION, version);
        apiRequest.version(version);
    }

    private static Response refuse(ContainerRequestContext request, CinderFault fault) {
        if (fault.version() != null) {
            request.setProperty(VERSION, fault.version());
        }
        return FaultMappers.response(fault);
    }

    /**
     * Cinder reads a request body only as JSON ({@code application/json} or its vendor type, parameters ignored): any
     * other Content-Type, or none, on a request with a body is a 415. A request without a body is not checked.
     */
    private static void requireJsonBody(ContainerRequestContext request) {
        String length = request.getHeaderString("Content-Length");
        boolean body = length != null ? !length.trim().equals("0") : request.getHeaderString("Transfer-Encoding") != null;
        if (!body) {
            return;
        }
        String type = request.getHeaderString("Content-Type");
        String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!JSON_TYPES.contains(mediaType)) {
            throw new CinderFault(415, "Unsupported Content-Type");
        }
    }

    /** Links start with the configured public endpoint, else the address this connection reached; never the Host header. */
    private String endpoint(HttpServerRequest connection) {
        Optional<String> configured = config.api().publicEndpoint();
        if (configured.isPresent()) {
            return configured.get().replaceAll("/+$", "");
        }
        SocketAddress local = connection.localAddress();
        String host = local.hostAddress();
        return connection.scheme() + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + local.port();
    }

    /** Cinder's {@code req-<uuid4>}. Not a secret, so not from SecureRandom (which was 1 % of a reserve's CPU). */
    static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return "req-" + new UUID(high, low);
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
