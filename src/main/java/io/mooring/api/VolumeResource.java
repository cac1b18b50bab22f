package io.mooring.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mooring.attachment.AttachmentService;
import io.mooring.auth.Scope;
import io.mooring.domain.Uuids;
import io.mooring.volume.ListQuery;
import io.mooring.volume.NewVolume;
import io.mooring.volume.Volume;
import io.mooring.volume.VolumeExtendService;
import io.mooring.volume.VolumeService;
import io.mooring.volume.VolumeEdit;
import io.mooring.volume.VolumeStatus;
import io.mooring.volume.VolumeUpdateService;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;

/** {@code /v3/{project_id}/volumes}: what the attach workflow and the cinder CLI need of the volumes API. */
@Path("/v3/volumes")
@Produces(MediaType.APPLICATION_JSON)
public class VolumeResource {

    /** Mooring's sparse files live on one filesystem: ext4 and XFS cap a file at 16 TiB (ext4) or more. */
    static final int MAX_SIZE_GIB = 16_384;

    private static final Set<String> CREATE_KEYS_V353 = Set.of("name", "description", "display_name", "display_description",
            "volume_type", "metadata", "snapshot_id", "source_volid", "consistencygroup_id", "size", "availability_zone",
            "multiattach", "image_id", "imageRef", "group_id", "backup_id");

    /** oslo's bool_from_string, lower-cased. */
    private static final Set<String> TRUE_FLAGS = Set.of("1", "t", "true", "on", "y", "yes");
    private static final Set<String> FALSE_FLAGS = Set.of("0", "f", "false", "off", "n", "no");

    private static final Map<String, BiFunction<String, String, Map.Entry<String, Object>>> FILTERS = Map.of(
            "name", ListParams.textFilter("name"),
            "status", ListParams.textFilter("status"),
            "metadata", ListParams.metadataFilter(),
            // Cinder's inexact filters (admins only), name~ and description~ being display_name~ and display_description~
            "name~", ListParams.likeFilter("name"),
            "description~", ListParams.likeFilter("description"),
            "status~", ListParams.likeFilter("status"),
            "size", (name, value) -> {
                try {
                    return Map.entry("size", (Object) Integer.valueOf(value.trim()));
                } catch (NumberFormatException e) {
                    return Map.entry("size", ListParams.NO_MATCH);
                }
            },
            "bootable", (name, value) -> {
                String flag = value.trim().toLowerCase();
                return Map.entry("bootable", TRUE_FLAGS.contains(flag) ? (Object) true
                        : FALSE_FLAGS.contains(flag) ? (Object) false : ListParams.NO_MATCH);
            });

    @Inject
    VolumeService volumes;

    @Inject
    AttachmentService attachments;

    @Inject
    VolumeUpdateService updates;

    @Inject
    VolumeExtendService extender;

    @Inject
    ApiRequest request;

    @Context
    UriInfo uri;

    @POST
    public Uni<Response> create(byte[] body) {
        NewVolume volume = parseCreate(JsonBody.parseObject(body));
        return volumes.create(scope(), volume)
                .map(created -> Response.accepted(Map.of("volume", Views.volumeCreated(created, request))).build());
    }

    private NewVolume parseCreate(ObjectNode body) {
        JsonBody.onlyKeys(body, null, Set.of("volume", "OS-SCH-HNT:scheduler_hints"));
        JsonBody.required(body, null, "volume");
        ObjectNode volume = JsonBody.requiredObject(body, null, "volume");
        if (request.version().atLeast(ApiVersion.SUPPORT_VOLUME_SCHEMA_CHANGES)) {
            JsonBody.onlyKeys(volume, "volume", CREATE_KEYS_V353);
        }
        String name = JsonBody.optionalString(volume, "name", 255);
        if (name == null) {
            name = JsonBody.optionalString(volume, "display_name", 255);
        }
        String description = JsonBody.optionalString(volume, "description", 255);
        if (description == null) {
            description = JsonBody.optionalString(volume, "display_description", 255);
        }
        String volumeType = JsonBody.optionalString(volume, "volume_type", 255);
        Map<String, String> metadata = JsonBody.stringMap(volume, "metadata");
        JsonNode multiattach = volume.get("multiattach");
        if (multiattach != null && !multiattach.isNull() && !multiattach.isBoolean()) {
            throw JsonBody.invalid("multiattach", multiattach, PyRepr.of(multiattach) + " is not of type 'boolean', 'null'");
        }
        if (multiattach != null && multiattach.asBoolean(false)) {
            throw CinderFault.badRequest("multiattach parameter has been removed. The default behavior is to use multiattach "
                    + "enabled volume types. Contact your administrator to create a multiattach enabled volume type and use "
                    + "it to create multiattach volumes.");
        }
        for (String source : List.of("snapshot_id", "source_volid", "consistencygroup_id", "backup_id")) {
            String id = JsonBody.uuid(volume, source, true);
            if (id != null) {
                throw CinderFault.invalidInput("Mooring creates empty volumes only: " + source + " is not supported.");
            }
        }
        for (String source : List.of("imageRef", "image_id", "group_id")) {
            if (JsonBody.optionalString(volume, source, 255) != null) {
                throw CinderFault.invalidInput("Mooring creates empty volumes only: " + source + " is not supported.");
            }
        }
        String zone = availabilityZone(volume);
        if (zone != null && !zone.equals(request.availabilityZone())) {
            throw CinderFault.badRequest("Availability zone '" + zone + "' is invalid.");
        }
        return new NewVolume(name, description, size(volume), volumeType, metadata, request.userId());
    }

    /** Cinder's availability_zone format: null, or a string that is not blank once stripped. */
    private static String availabilityZone(ObjectNode volume) {
        String zone = JsonBody.optionalString(volume, "availability_zone", Integer.MAX_VALUE);
        if (zone != null && zone.isEmpty()) {
            throw CinderFault.badRequest("The 'availability_zone' can not be None.");
        }
        if (zone != null) {
            checkLength("availability_zone", zone.strip(), 1);
        }
        return zone;
    }

    /** oslo's check_string_length as Cinder's format checkers call it (at most 255 characters). */
    private static void checkLength(String name, String value, int minLength) {
        int length = value.codePointCount(0, value.length());
        if (length < minLength) {
            throw CinderFault.invalidInput(name + " has " + length + " characters, less than " + minLength + ".");
        }
        if (length > 255) {
            throw CinderFault.invalidInput(name + " has " + length + " characters, more than 255.");
        }
    }

    /** Cinder's volume_size_allows_null schema at create; Mooring caps at 16 TiB. */
    private static int size(ObjectNode volume) {
        JsonNode size = volume.get("size");
        if (size == null || size.isNull()) {
            throw CinderFault.invalidInput("Volume size must be specified for a new volume.");
        }
        long gib = volumeSize("size", size, "'integer', 'string', 'null'");
        if (gib < 1) {
            throw CinderFault.invalidInput("Volume size '" + size.textValue() + "' must be an integer and greater than 0");
        }
        return capped(gib);
    }

    /**
     * Cinder's volume_size schema ({@code types} as its errors name them): an integer 1 ≤ n ≤ 2^31-1, or a string of
     * digits, whose value (0 included) the caller judges.
     */
    private static long volumeSize(String field, JsonNode size, String types) {
        if (size.isIntegralNumber()) {
            if (!size.canConvertToLong() || size.longValue() > Integer.MAX_VALUE) {
                throw JsonBody.invalid(field, size, size.asText() + " is greater than the maximum of " + Integer.MAX_VALUE);
            }
            if (size.longValue() < 1) {
                throw JsonBody.invalid(field, size, size.longValue() + " is less than the minimum of 1");
            }
            return size.longValue();
        }
        if (size.isTextual()) {
            if (!size.textValue().matches("^[0-9]+$")) {
                throw JsonBody.invalid(field, size, PyRepr.of(size) + " does not match '^[0-9]+$'");
            }
            String digits = size.textValue().replaceFirst("^0+(?=\\d)", "");
            return digits.length() > 10 ? Long.MAX_VALUE : Long.parseLong(digits);
        }
        throw JsonBody.invalid(field, size, PyRepr.of(size) + " is not of type " + types);
    }

    private static int capped(long gib) {
        if (gib > MAX_SIZE_GIB) {
            throw CinderFault.invalidInput("Volume size " + gib + " GiB is larger than the maximum of " + MAX_SIZE_GIB + " GiB.");
        }
        return (int) gib;
    }

    @GET
    public Uni<Map<String, Object>> list() {
        ListQuery query = query();
        return volumes.list(scope(), query).chain(found -> {
            List<Map<String, Object>> views = new ArrayList<>();
            found.forEach(v -> views.add(Views.volumeSummary(v, request)));
            return page(query, "volumes", found, views);
        });
    }

    @GET
    @Path("detail")
    public Uni<Map<String, Object>> detail() {
        ListQuery query = query();
        return volumes.list(scope(), query).chain(found -> attachments.attachedTo(found.stream().map(v -> v.id).toList()).chain(attached -> {
            List<Map<String, Object>> views = new ArrayList<>();
            found.forEach(v -> views.add(Views.volumeDetail(v, attached.getOrDefault(v.id, List.of()), request)));
            return page(query, "volumes/detail", found, views);
        }));
    }

    private ListQuery query() {
        Map<String, BiFunction<String, String, Map.Entry<String, Object>>> filters = new HashMap<>(FILTERS);
        // One availability zone: the filter matches everything or nothing.
        filters.put("availability_zone", (name, value) -> Map.entry("availabilityZone",
                value.equals(request.availabilityZone()) ? ListParams.ALL : ListParams.NO_MATCH));
        return ListParams.parse(uri.getQueryParameters(), request, VolumeService.SORT_KEYS, filters, true);
    }

    /** Cinder's list body: the volumes, {@code volumes_links} when the page is full, {@code count} when asked for (3.45). */
    private Uni<Map<String, Object>> page(ListQuery query, String collection, List<Volume> found, List<Map<String, Object>> views) {
        Uni<Long> count = query.withCount() ? volumes.count(scope(), query) : Uni.createFrom().nullItem();
        return count.map(total -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("volumes", views);
            var links = ListParams.nextLinks(request, uri, collection, query, found.stream().map(v -> v.id.toString()).toList(), total);
            if (!links.isEmpty()) {
                body.put("volumes_links", links);
            }
            if (total != null) {
                body.put("count", total);
            }
            return body;
        });
    }

    @GET
    @Path("{id}")
    public Uni<Map<String, Object>> show(@PathParam("id") String id) {
        return volumes.get(scope(), volumeId(id)).chain(v -> attachments.attachedTo(List.of(v.id))
                .map(attached -> Map.of("volume", Views.volumeDetail(v, attached.getOrDefault(v.id, List.of()), request))));
    }

    /** 3.12 volume summary; the distinct metadata at 3.36. */
    @GET
    @Path("summary")
    public Uni<Map<String, Object>> summary() {
        request.require(ApiVersion.VOLUME_SUMMARY);
        boolean allTenants = boolParam("all_tenants") && request.admin();
        return updates.summary(allTenants ? null : request.projectId()).map(found -> {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("total_count", found.count());
            summary.put("total_size", found.totalGib());
            if (request.version().atLeast(ApiVersion.VOLUME_SUMMARY_METADATA)) {
                summary.put("metadata", found.metadata());
            }
            return Map.of("volume-summary", summary);
        });
    }

    /** Cinder's get_bool_param: absent is false, anything but oslo's boolean strings a 400. */
    private boolean boolParam(String name) {
        String value = uri.getQueryParameters().getFirst(name);
        if (value == null) {
            return false;
        }
        String flag = value.trim().toLowerCase();
        if (!TRUE_FLAGS.contains(flag) && !FALSE_FLAGS.contains(flag)) {
            throw CinderFault.badRequest("Value '" + value + "' for '" + name + "' is not a boolean.");
        }
        return TRUE_FLAGS.contains(flag);
    }

    /** PUT volume: name, description (display_ forms too), metadata (which replaces the volume's). */
    @PUT
    @Path("{id}")
    public Uni<Map<String, Object>> update(@PathParam("id") String id, byte[] body) {
        UUID volumeId = volumeId(id);
        VolumeEdit edit = parseUpdate(JsonBody.parseObject(body));
        return updates.update(scope(), volumeId, edit).chain(v -> attachments.attachedTo(List.of(v.id))
                .map(attached -> Map.of("volume", Views.volumeDetail(v, attached.getOrDefault(v.id, List.of()), request))));
    }

    /** Cinder's volumes.update schema (update_volume_v353 at 3.53: at least one key), then its name/description stripping. */
    private VolumeEdit parseUpdate(ObjectNode body) {
        ObjectNode volume = body.get("volume") == null ? null : JsonBody.requiredObject(body, null, "volume");
        if (volume != null) {
            for (String key : List.of("name", "description", "display_name", "display_description")) {
                String value = JsonBody.optionalString(volume, key, Integer.MAX_VALUE);
                if (value != null) {
                    checkLength(key.endsWith("name") ? "name" : "description", value.strip(), 0);
                }
            }
            if (volume.has("metadata")) {
                JsonBody.metadata(volume, "metadata");
            }
            JsonBody.onlyKeys(volume, "volume", UPDATE_KEYS);
            if (volume.isEmpty() && request.version().atLeast(ApiVersion.SUPPORT_VOLUME_SCHEMA_CHANGES)) {
                throw JsonBody.invalid("volume", volume, "{} is not valid under any of the given schemas");
            }
        }
        JsonBody.required(body, null, "volume");
        JsonBody.onlyKeys(body, null, Set.of("volume"));
        boolean setsName = volume.has("name") || volume.has("display_name");
        String name = stripped(volume, volume.has("name") ? "name" : "display_name");
        boolean setsDescription = volume.has("description") || volume.has("display_description");
        String description = stripped(volume, volume.has("description") ? "description" : "display_description");
        Map<String, String> metadata = volume.has("metadata") ? JsonBody.metadata(volume, "metadata") : null;
        return new VolumeEdit(setsName, name, setsDescription, description, metadata);
    }

    private static final Set<String> UPDATE_KEYS = Set.of("name", "description", "display_name", "display_description", "metadata");

    private static String stripped(ObjectNode volume, String key) {
        String value = JsonBody.optionalString(volume, key, Integer.MAX_VALUE);
        return value == null ? null : value.strip();
    }

    @DELETE
    @Path("{id}")
    public Uni<Response> delete(@PathParam("id") String id) {
        return volumes.delete(scope(), volumeId(id)).replaceWith(Response.accepted().build());
    }

    /** Volume actions; Mooring implements os-extend and the admin's os-reset_status (how tests put a volume in error, as with Cinder). */
    @POST
    @Path("{id}/action")
    public Uni<Response> action(@PathParam("id") String id, byte[] body) {
        UUID volumeId = volumeId(id);
        ObjectNode action = JsonBody.parseObject(body);
        if (action.size() != 1) {
            throw CinderFault.badRequest("Malformed request body");
        }
        String name = action.fieldNames().next();
        if (name.equals("os-update_readonly_flag")) {
            return updateReadonlyFlag(volumeId, action);
        }
        if (name.equals("os-set_bootable")) {
            return setBootable(volumeId, action);
        }
        if (name.equals("os-extend")) {
            return extend(volumeId, action);
        }
        if (!name.equals("os-reset_status")) {
            throw CinderFault.badRequest("There is no such action: " + name + ". Verify the request body and Content-Type header and try again.");
        }
        if (!request.admin()) {
            throw CinderFault.forbidden("volume_extension:volume_admin_actions:reset_status");
        }
        ObjectNode reset = JsonBody.requiredObject(action, null, "os-reset_status");
        JsonBody.onlyKeys(reset, "os-reset_status", Set.of("status", "attach_status", "migration_status"));
        String status = JsonBody.optionalString(reset, "status", 255);
        String attachStatus = JsonBody.optionalString(reset, "attach_status", 255);
        if (status != null && !VolumeStatus.ALL.contains(status)) {
            throw CinderFault.invalidInput("Must specify a valid status");
        }
        if (attachStatus != null && !Set.of("attached", "detached").contains(attachStatus)) {
            throw CinderFault.invalidInput("Must specify a valid attach status");
        }
        if (status == null && attachStatus == null) {
            throw CinderFault.invalidInput("Must specify 'status', 'attach_status' or 'migration_status' for update.");
        }
        return volumes.resetStatus(scope(), volumeId, status, attachStatus).replaceWith(Response.accepted().build());
    }

    /** os-update_readonly_flag: 202, no body. */
    private Uni<Response> updateReadonlyFlag(UUID volumeId, ObjectNode action) {
        boolean readonly = flag(action, "os-update_readonly_flag", "readonly");
        return updates.setReadonly(scope(), volumeId, readonly).replaceWith(Response.accepted().build());
    }

    /** os-set_bootable: 200, no body. */
    private Uni<Response> setBootable(UUID volumeId, ObjectNode action) {
        boolean bootable = flag(action, "os-set_bootable", "bootable");
        return updates.setBootable(scope(), volumeId, bootable).replaceWith(Response.ok().build());
    }

    /** The one boolean of a flag action's body, {@code {"<name>": {"<key>": <boolean>}}}, in Cinder's schema and order of checks. */
    private static boolean flag(ObjectNode action, String name, String key) {
        ObjectNode body = JsonBody.requiredObject(action, null, name);
        boolean value = body.has(key) && JsonBody.strictBoolean(body, key);
        JsonBody.required(body, name, key);
        JsonBody.onlyKeys(body, name, Set.of(key));
        return value;
    }

    /**
     * os-extend with Cinder's schema ({@code new_size} only, a volume_size); an {@code in-use} volume from 3.42 on.
     * 202 without a body once the volume has its new size (Cinder's 202 comes before, Mooring's extend is quick).
     */
    private Uni<Response> extend(UUID volumeId, ObjectNode action) {
        ObjectNode extend = JsonBody.requiredObject(action, null, "os-extend");
        JsonBody.onlyKeys(extend, "os-extend", Set.of("new_size"));
        JsonBody.required(extend, "os-extend", "new_size");
        int newSize = capped(volumeSize("new_size", extend.get("new_size"), "'integer', 'string'"));
        boolean inUseAllowed = request.version().atLeast(ApiVersion.VOLUME_EXTEND_INUSE);
        return extender.extend(scope(), volumeId, newSize, inUseAllowed).replaceWith(Response.accepted().build());
    }

    /** Cinder looks ids up as strings: anything that is not a uuid is simply not found. */
    static UUID volumeId(String id) {
        String canonical = Uuids.canonical(id);
        if (canonical == null) {
            throw CinderFault.volumeNotFound(id);
        }
        return UUID.fromString(canonical);
    }

    private Scope scope() {
        return new Scope(request.projectId(), request.admin());
    }
}
