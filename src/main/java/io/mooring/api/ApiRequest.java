package io.mooring.api;

import io.mooring.auth.Principal;
import io.mooring.boot.MooringConfig;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/** What {@link ApiFilters} learnt about the current /v3 call: who asks, for which project, at which microversion. */
@RequestScoped
public class ApiRequest {

    private Principal principal;
    private String projectId;
    private ApiVersion version = ApiVersion.MIN;

    @Inject
    MooringConfig config;

    void authenticated(Principal principal, String projectId) {
        this.principal = principal;
        this.projectId = projectId;
    }

    void version(ApiVersion version) {
        this.version = version;
    }

    public boolean admin() {
        return principal != null && principal.admin();
    }

    /** The project the call acts in: the URL's (admins may name any) or the token's when the URL has none. */
    public String projectId() {
        return projectId;
    }

    public ApiVersion version() {
        return version;
    }

    /** The appliance's one availability zone ({@code mooring.availability-zone}). */
    public String availabilityZone() {
        return config.availabilityZone();
    }

    /** Endpoints that appeared at {@code since} look absent below it, as in Cinder. */
    public void require(ApiVersion since) {
        if (!version.atLeast(since)) {
            throw CinderFault.resourceNotFound();
        }
    }
}
