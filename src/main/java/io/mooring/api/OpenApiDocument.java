package io.mooring.api;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.util.List;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * {@code /q/openapi} documents Mooring's own endpoints ({@code /mooring/...}) only: Cinder's API is Cinder's, documented
 * by OpenStack (its api-ref), and a second description of it here could only drift. Runs once, at build time.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class OpenApiDocument implements OASFilter {

    static final String TOKEN_SCHEME = "X-Auth-Token";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() != null) {
            List.copyOf(openAPI.getPaths().getPathItems().keySet()).stream()
                    .filter(path -> !path.startsWith("/mooring/"))
                    .forEach(openAPI.getPaths()::removePathItem);
        }
        openAPI.info(OASFactory.createInfo().title("Mooring admin API").version("1")
                .description("Mooring's own endpoints, outside Cinder's v3 API: tokens, iSCSI sessions, stale attachments,"
                        + " the console's live feed. Every call needs an admin token in X-Auth-Token."));
        if (openAPI.getComponents() == null) {
            openAPI.components(OASFactory.createComponents());
        }
        openAPI.getComponents().addSecurityScheme(TOKEN_SCHEME, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name(TOKEN_SCHEME)
                .description("An admin token (the first start writes one to <data-dir>/admin-token)."));
        openAPI.security(List.of(OASFactory.createSecurityRequirement().addScheme(TOKEN_SCHEME)));
        openAPI.getPaths().getPathItems().values().forEach(item -> item.getOperations().values().forEach(operation -> operation
                .getResponses()
                .addAPIResponse("401", refusal("No known token in X-Auth-Token: {\"unauthorized\": {\"code\": 401, \"message\": ...}}"))
                .addAPIResponse("403", refusal("A member's token: {\"forbidden\": {\"code\": 403, \"message\": ...}}"))));
        if (openAPI.getTags() != null) {
            openAPI.getTags().stream().filter(tag -> openAPI.getPaths().getPathItems().values().stream()
                            .flatMap(item -> item.getOperations().values().stream())
                            .noneMatch(operation -> operation.getTags() != null && operation.getTags().contains(tag.getName())))
                    .toList().forEach(openAPI::removeTag);
        }
    }

    private static APIResponse refusal(String description) {
        return OASFactory.createAPIResponse().description(description);
    }
}
