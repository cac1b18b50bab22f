package io.mooring.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mooring.auth.Scope;
import io.mooring.domain.DomainError.MetadataChanged;
import io.mooring.volume.VolumeUpdateService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /v3/{project_id}/volumes/{id}/metadata[/{key}]}: Cinder's volume metadata calls (what {@code cinder metadata
 * set/unset}, {@code metadata-show} and {@code metadata-update-all} use), with 3.15's ETag and If-Match.
 */
@Path("/v3/volumes/{volume}/metadata")
@Produces(MediaType.APPLICATION_JSON)
public class VolumeMetadataResource {

    /** webob's entity-tag syntax: a quoted tag, weak ones prefixed W/. */
    private static final Pattern ETAG = Pattern.compile("(?:^|\\s)(W/)?\"((?:\\\\\"|.)*?)\"");

    @Inject
    VolumeUpdateService updates;

    @Inject
    ApiRequest request;

    @GET
    public Uni<Response> index(@PathParam("volume") String volume) {
        return updates.metadata(scope(), VolumeResource.volumeId(volume)).map(metadata -> {
            Response.ResponseBuilder ok = Response.ok(Map.of("metadata", metadata));
            return request.version().atLeast(ApiVersion.ETAGS) ? ok.header("Etag", etag(metadata)).build() : ok.build();
        });
    }

    /** Merges the given items into the volume's metadata; answers with all of it. */
    @POST
    public Uni<Map<String, Object>> create(@PathParam("volume") String volume, byte[] body) {
        UUID id = VolumeResource.volumeId(volume);
        Map<String, String> items = metadataBody(JsonBody.parseObject(body));
        return updates.setMetadata(scope(), id, items, false, current -> true).map(metadata -> Map.of("metadata", metadata));
    }

    /** Replaces the volume's metadata. */
    @PUT
    public Uni<Response> updateAll(@PathParam("volume") String volume, @HeaderParam("If-Match") String ifMatch, byte[] body) {
        UUID id = VolumeResource.volumeId(volume);
        Map<String, String> items = metadataBody(JsonBody.parseObject(body));
        return preconditioned(updates.setMetadata(scope(), id, items, true, matches(ifMatch))
                .map(metadata -> Response.ok(Map.of("metadata", metadata)).build()));
    }

    @GET
    @Path("{key}")
    public Uni<Map<String, Object>> show(@PathParam("volume") String volume, @PathParam("key") String key) {
        return updates.metadataItem(scope(), VolumeResource.volumeId(volume), key).map(value -> Map.of("meta", Map.of(key, value)));
    }

    /** Sets one item: the body's single key must be the URL's. */
    @PUT
    @Path("{key}")
    public Uni<Response> update(@PathParam("volume") String volume, @PathParam("key") String key,
                                @HeaderParam("If-Match") String ifMatch, byte[] body) {
        UUID id = VolumeResource.volumeId(volume);
        ObjectNode parsed = JsonBody.parseObject(body);
        Map<String, String> item = null;
        if (parsed.has("meta")) {
            item = JsonBody.metadata(parsed, "meta");
            if (parsed.get("meta").isEmpty()) {
                throw JsonBody.invalid("meta", parsed.get("meta"), "{} does not have enough properties");
            }
            if (parsed.get("meta").size() > 1) {
                throw JsonBody.invalid("meta", parsed.get("meta"), PyRepr.of(parsed.get("meta")) + " has too many properties");
            }
        }
        JsonBody.required(parsed, null, "meta");
        JsonBody.onlyKeys(parsed, null, Set.of("meta"));
        if (!item.containsKey(key)) {
            throw CinderFault.badRequest("Request body and URI mismatch");
        }
        Map<String, String> meta = item;
        return preconditioned(updates.setMetadata(scope(), id, meta, false, matches(ifMatch))
                .map(metadata -> Response.ok(Map.of("meta", meta)).build()));
    }

    @DELETE
    @Path("{key}")
    public Uni<Response> delete(@PathParam("volume") String volume, @PathParam("key") String key) {
        return updates.deleteMetadata(scope(), VolumeResource.volumeId(volume), key).replaceWith(Response.ok().build());
    }

    /** Cinder's volume_metadata create schema: {"metadata": {...}} and nothing else. */
    private static Map<String, String> metadataBody(ObjectNode body) {
        Map<String, String> items = body.has("metadata") ? JsonBody.metadata(body, "metadata") : null;
        JsonBody.required(body, null, "metadata");
        JsonBody.onlyKeys(body, null, Set.of("metadata"));
        return items;
    }

    /** A failed If-Match is a bare 412, as Cinder answers it. */
    private static Uni<Response> preconditioned(Uni<Response> change) {
        return change.onFailure(MetadataChanged.class).recoverWithItem(() -> Response.status(Response.Status.PRECONDITION_FAILED).build());
    }

    /**
     * From 3.15 a write carrying If-Match applies only to the metadata the tag was computed from; {@code *}, an absent
     * header or an older microversion match anything (webob's reading of the header).
     */
    private Predicate<Map<String, String>> matches(String ifMatch) {
        if (!request.version().atLeast(ApiVersion.ETAGS) || ifMatch == null || ifMatch.isEmpty() || ifMatch.equals("*")) {
            return current -> true;
        }
        List<String> tags = new ArrayList<>();
        Matcher m = ETAG.matcher(ifMatch);
        boolean quoted = false;
        while (m.find()) {
            quoted = true;
            if (m.group(1) == null) {
                tags.add(m.group(2));
            }
        }
        if (!quoted) {
            tags.add(ifMatch);
        }
        return current -> tags.contains(etag(current));
    }

    /** Cinder's ETag: the MD5 of Python's json.dumps({"metadata": ...}) of the metadata. */
    static String etag(Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{\"metadata\": {");
        boolean first = true;
        for (Map.Entry<String, String> entry : metadata.entrySet()) {
            json.append(first ? "" : ", ").append(pythonJson(entry.getKey())).append(": ").append(pythonJson(entry.getValue()));
            first = false;
        }
        json.append("}}");
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(json.toString().getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    }

    /** A JSON string as Python's json module writes it (ensure_ascii: everything past ASCII as \\uXXXX). */
    private static String pythonJson(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }

    private Scope scope() {
        return new Scope(request.projectId(), request.admin());
    }
}
