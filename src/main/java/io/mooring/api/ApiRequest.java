package io.mooring.api;

import io.mooring.auth.Principal;
import io.mooring.boot.MooringConfig;
import io.mooring.volume.ServiceIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import java.util.UUID;

/**
 * What {@link ApiFilters} learnt about the current /v3 call: who asks, for which project, at which microversion, and
 * where links point.
 */
@RequestScoped
public class ApiRequest {

    @Inject
    MooringConfig config;

    @Inject
    ServiceIdentity service;

    private Principal principal;
    private String projectId;
    private ApiVersion version = ApiVersion.MIN;
    private String endpoint;

    void authenticated(Principal principal, String projectId) {
        this.principal = principal;
        this.projectId = projectId;
    }

    void version(ApiVersion version) {
        this.version = version;
    }

    void endpoint(String endpoint) {
        this.endpoint = endpoint;
    }

    /** Scheme, authority and any path prefix every link starts with, without a trailing slash. */
    String endpoint() {
        return endpoint;
    }

    /** Cinder's osapi_max_limit: the default page size and the largest one. */
    int maxLimit() {
        return config.api().maxLimit();
    }

    /** This appliance's volume service, which holds every volume (the volume view's service_uuid). */
    UUID serviceUuid() {
        return service.serviceUuid();
    }

    /** The user the token speaks for (the volume view's user_id). */
    public String userId() {
        return principal == null ? null : principal.userId();
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
