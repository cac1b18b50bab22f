package io.mooring.api;

import io.mooring.attachment.AttachmentService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Mooring's admin view of dangling attachments: {@code GET /mooring/attachments/stale?minutes=N} lists every project's
 * attachments left in reserved or attaching for more than N minutes (default 60), so an operator can delete them.
 */
@Path("/mooring/attachments/stale")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "attachments")
public class StaleAttachmentResource {

    @Inject
    AttachmentService attachments;

    @Inject
    ApiRequest request;

    @GET
    @Operation(summary = "Dangling attachments", description = "Every project's attachments left in reserved or"
            + " attaching for more than ?minutes=N (default 60), for an operator to delete through Cinder's API.")
    public Uni<Map<String, Object>> list(@QueryParam("minutes") @DefaultValue("60") String minutes) {
        if (!request.admin()) {
            throw CinderFault.forbidden("mooring:attachments:stale");
        }
        long age;
        try {
            age = Long.parseLong(minutes);
        } catch (NumberFormatException e) {
            throw CinderFault.badRequest("minutes must be an integer");
        }
        if (age < 0 || age > 10_000_000) {
            throw CinderFault.badRequest("minutes must be between 0 and 10000000");
        }
        return attachments.stale(Duration.ofMinutes(age)).map(found -> Map.of("attachments", found.stream().map(a -> {
            Map<String, Object> view = Views.attachmentSummary(a);
            view.put("project_id", a.projectId);
            view.put("created_at", Views.time(a.createdAt));
            view.put("updated_at", Views.time(a.updatedAt));
            return view;
        }).toList()));
    }
}
