package io.mooring.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Version discovery: cinderclient reads {@code versions[*].version} and {@code min_version} before every command. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class VersionResource {

    @Inject
    ApiRequest request;

    @GET
    public Response root() {
        return Response.status(300).entity(versions()).build();
    }

    @GET
    @Path("v3/")
    public Map<String, Object> v3() {
        return versions();
    }

    private Map<String, Object> versions() {
        Map<String, Object> v3 = new LinkedHashMap<>();
        v3.put("id", "v3.0");
        v3.put("status", "CURRENT");
        v3.put("version", ApiVersion.MAX.toString());
        v3.put("min_version", ApiVersion.MIN.toString());
        v3.put("updated", "2022-08-31T00:00:00Z");
        v3.put("links", List.of(
                Map.of("rel", "describedby", "type", "text/html", "href", "https://docs.openstack.org/"),
                Map.of("rel", "self", "href", request.endpoint() + "/v3/")));
        v3.put("media-types", List.of(Map.of("base", "application/json", "type", "application/vnd.openstack.volume+json;version=3")));
        return Map.of("versions", List.of(v3));
    }
}
