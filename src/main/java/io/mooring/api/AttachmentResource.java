package io.mooring.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mooring.attachment.AttachmentService;
import io.mooring.attachment.VolumeAttachment;
import io.mooring.auth.Scope;
import io.mooring.domain.Uuids;
import io.mooring.volume.ListQuery;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;

/** {@code /v3/{project_id}/attachments} (3.27+): the attach/detach workflow V2, answered as Cinder answers it. */
@Path("/v3/attachments")
@Produces(MediaType.APPLICATION_JSON)
public class AttachmentResource {

    private static final BiFunction<String, String, Map.Entry<String, Object>> ATTACH_STATUS = ListParams.textFilter("attachStatus");

    /** Cinder's allowed attachment filters. {@code status} means attach_status here (Cinder's matches nothing, spec §9.1). */
    private static final Map<String, BiFunction<String, String, Map.Entry<String, Object>>> FILTERS = Map.of(
            "volume_id", ListParams.uuidFilter("volumeId"),
            "instance_id", (name, value) -> {
                String canonical = Uuids.canonical(value);
                return Map.entry("instanceUuid", canonical == null ? value : canonical);
            },
            "attach_status", ATTACH_STATUS,
            "status", ATTACH_STATUS);

    @Inject
    AttachmentService attachments;

    @Inject
    ApiRequest request;

    @Context
    UriInfo uri;

    @POST
    public Uni<Map<String, Object>> create(byte[] body) {
        request.require(ApiVersion.NEW_ATTACH);
        ObjectNode attachment = attachmentObject(JsonBody.parseObject(body));
        boolean modeAllowed = request.version().atLeast(ApiVersion.ATTACHMENT_CREATE_MODE_ARG);
        JsonBody.onlyKeys(attachment, "attachment", modeAllowed
                ? Set.of("volume_uuid", "instance_uuid", "connector", "mode")
                : Set.of("volume_uuid", "instance_uuid", "connector"));
        JsonBody.required(attachment, "attachment", "volume_uuid");
        String volumeId = JsonBody.uuid(attachment, "volume_uuid", false);
        String instanceUuid = JsonBody.uuid(attachment, "instance_uuid", false);
        JsonNode connector = attachment.get("connector");
        if (connector != null && !connector.isNull() && !connector.isObject()) {
            throw JsonBody.invalid("connector", connector, PyRepr.of(connector) + " is not of type 'object', 'null'");
        }
        String mode = null;
        JsonNode modeNode = attachment.get("mode");
        if (modeNode != null) {
            if (!modeNode.isTextual()) {
                throw JsonBody.invalid("mode", modeNode, PyRepr.of(modeNode) + " is not of type 'string'");
            }
            if (!Set.of("rw", "ro").contains(modeNode.textValue())) {
                throw JsonBody.invalid("mode", modeNode, PyRepr.of(modeNode) + " is not one of ['rw', 'ro']");
            }
            mode = modeNode.textValue();
        }
        return attachments.create(scope(), UUID.fromString(volumeId), instanceUuid,
                        connector == null || connector.isNull() ? null : (ObjectNode) connector, mode)
                .map(this::detail);
    }

    @PUT
    @Path("{id}")
    public Uni<Map<String, Object>> update(@PathParam("id") String id, byte[] body) {
        request.require(ApiVersion.NEW_ATTACH);
        UUID attachmentId = attachmentId(id);
        ObjectNode attachment = attachmentObject(JsonBody.parseObject(body));
        JsonBody.onlyKeys(attachment, "attachment", Set.of("connector"));
        JsonBody.required(attachment, "attachment", "connector");
        JsonNode connector = attachment.get("connector");
        if (!connector.isObject()) {
            throw JsonBody.invalid("connector", connector, PyRepr.of(connector) + " is not of type 'object'");
        }
        if (connector.isEmpty()) {
            throw JsonBody.invalid("connector", connector, "{} does not have enough properties");
        }
        return attachments.update(scope(), attachmentId, (ObjectNode) connector).map(this::detail);
    }

    /** 3.44 os-complete; the body holds exactly one action. */
    @POST
    @Path("{id}/action")
    public Uni<Response> action(@PathParam("id") String id, byte[] body) {
        request.require(ApiVersion.NEW_ATTACH_COMPLETION);
        UUID attachmentId = attachmentId(id);
        ObjectNode action = JsonBody.parseObject(body);
        if (action.size() != 1) {
            throw CinderFault.badRequest("Malformed request body");
        }
        String name = action.fieldNames().next();
        if (!name.equals("os-complete")) {
            throw CinderFault.badRequest("There is no such action: " + name + ". Verify the request body and Content-Type header and try again.");
        }
        return attachments.complete(scope(), attachmentId).replaceWith(Response.noContent().build());
    }

    @GET
    @Path("{id}")
    public Uni<Map<String, Object>> show(@PathParam("id") String id) {
        request.require(ApiVersion.NEW_ATTACH);
        return attachments.get(scope(), attachmentId(id)).map(this::detail);
    }

    @GET
    public Uni<Map<String, Object>> list() {
        request.require(ApiVersion.NEW_ATTACH);
        ListQuery query = query();
        return attachments.list(scope(), query)
                .map(found -> page(query, "attachments", found, found.stream().map(Views::attachmentSummary).toList()));
    }

    @GET
    @Path("detail")
    public Uni<Map<String, Object>> detailList() {
        request.require(ApiVersion.NEW_ATTACH);
        ListQuery query = query();
        return attachments.list(scope(), query).map(found -> page(query, "attachments/detail", found, found.stream()
                .map(a -> Views.attachmentDetail(a, attachments.connectionInfo(a))).toList()));
    }

    /** The attachments and, when the page is full, {@code attachments_links} as volumes have them (Cinder has none). */
    private Map<String, Object> page(ListQuery query, String collection, List<VolumeAttachment> found, List<Map<String, Object>> views) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("attachments", views);
        var links = ListParams.nextLinks(request, uri, collection, query, found.stream().map(a -> a.id.toString()).toList(), null);
        if (!links.isEmpty()) {
            body.put("attachments_links", links);
        }
        return body;
    }

    /** 200 with the volume's remaining attachments (Cinder's "attachments sharing this connection"). */
    @DELETE
    @Path("{id}")
    public Uni<Map<String, Object>> delete(@PathParam("id") String id) {
        request.require(ApiVersion.NEW_ATTACH);
        return attachments.delete(scope(), attachmentId(id))
                .map(remaining -> Map.of("attachments", remaining.stream().map(Views::attachmentSummary).toList()));
    }

    private ListQuery query() {
        return ListParams.parse(uri.getQueryParameters(), request, AttachmentService.SORT_KEYS, FILTERS, false);
    }

    private Map<String, Object> detail(VolumeAttachment attachment) {
        return Map.of("attachment", Views.attachmentDetail(attachment, attachments.connectionInfo(attachment)));
    }

    private static ObjectNode attachmentObject(ObjectNode body) {
        JsonBody.onlyKeys(body, null, Set.of("attachment"));
        JsonBody.required(body, null, "attachment");
        return JsonBody.requiredObject(body, null, "attachment");
    }

    private static UUID attachmentId(String id) {
        String canonical = Uuids.canonical(id);
        if (canonical == null) {
            throw CinderFault.attachmentNotFound(id);
        }
        return UUID.fromString(canonical);
    }

    private Scope scope() {
        return new Scope(request.projectId(), request.admin());
    }
}
