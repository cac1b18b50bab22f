package io.mooring.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mooring.api.ApiRequest;
import io.mooring.api.CinderFault;
import io.mooring.api.JsonBody;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Mooring's own admin endpoint (outside Cinder's /v3): an admin mints tokens.
 * {@code POST /mooring/tokens {"token": {"project_id": "<hex>", "role": "member"}}} → 201
 * {@code {"token": {"id": "<the token>", "user_id": ..., "project_id": ..., "role": ...}}}. The token is shown once; only its hash is kept.
 */
@Path("/mooring/tokens")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "tokens")
public class TokenResource {

    @Inject
    TokenService tokens;

    @Inject
    ApiRequest request;

    @POST
    @Operation(summary = "Mint a token", description = "A member token sees only its project; an admin token every"
            + " project. The token is in the answer only: Mooring keeps its SHA-256.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(
            name = "member", value = "{\"token\": {\"project_id\": \"0123456789abcdef0123456789abcdef\", \"role\": \"member\","
                    + " \"description\": \"ci\"}}")))
    @APIResponse(responseCode = "201", description = "{\"token\": {\"id\": \"<the token>\", \"project_id\": ..., \"role\": ...}}")
    public Uni<Response> mint(byte[] body) {
        if (!request.admin()) {
            throw CinderFault.forbidden("mooring:tokens:create");
        }
        ObjectNode parsed = JsonBody.parseObject(body);
        JsonBody.onlyKeys(parsed, null, Set.of("token"));
        ObjectNode token = JsonBody.requiredObject(parsed, null, "token");
        JsonBody.onlyKeys(token, "token", Set.of("project_id", "role", "description"));
        JsonBody.required(token, "token", "project_id");
        String projectId = JsonBody.optionalString(token, "project_id", 64);
        if (projectId == null || !TokenService.PROJECT_ID.matcher(projectId).matches()) {
            throw CinderFault.invalidInput("project_id must be 1 to 64 characters of [0-9a-f-] (Cinder's project_id_regex).");
        }
        String role = JsonBody.optionalString(token, "role", 16);
        role = role == null ? TokenService.MEMBER : role;
        if (!Set.of(TokenService.MEMBER, TokenService.ADMIN).contains(role)) {
            throw CinderFault.invalidInput("role must be 'member' or 'admin'.");
        }
        String description = JsonBody.optionalString(token, "description", 255);
        String grantedRole = role;
        return tokens.mint(projectId, role, description).map(minted -> {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("id", minted.token());
            view.put("user_id", minted.userId());
            view.put("project_id", projectId);
            view.put("role", grantedRole);
            return Response.status(201).entity(Map.of("token", view)).build();
        });
    }
}
