package io.mooring.api;

import io.mooring.volume.VolumeService;
import io.mooring.volume.VolumeType;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/**
 * {@code /v3/{project_id}/types}: Mooring's types are fixed by its schema: {@code __DEFAULT__} (sparse file),
 * {@code multiattach} ({@code multiattach: "<is> True"}) and {@code raw} (a device from the raw-device pool).
 */
@Path("/v3/types")
@Produces(MediaType.APPLICATION_JSON)
public class TypeResource {

    @Inject
    VolumeService volumes;

    @Inject
    ApiRequest request;

    @GET
    public Uni<Map<String, Object>> list() {
        return volumes.types().map(types -> Map.of("volume_types",
                types.stream().map(t -> Views.volumeType(t, request.admin())).toList()));
    }

    @GET
    @Path("default")
    public Uni<Map<String, Object>> defaultType() {
        return show(VolumeType.DEFAULT_NAME);
    }

    @GET
    @Path("{id}")
    public Uni<Map<String, Object>> show(@PathParam("id") String id) {
        return volumes.type(id).map(t -> Map.of("volume_type", Views.volumeType(t, request.admin())));
    }
}
