package io.mooring.api;

/**
 * An error answered with Cinder's envelope {@code {"<faultName>": {"code": N, "message": "..."}}}. The API layer throws
 * it for a request it refuses itself, and {@link DomainFaults} makes one of each error the services fail with;
 * {@link FaultMappers} turns it into the response.
 */
public class CinderFault extends RuntimeException {

    private final int status;
    private ApiVersion version;

    public CinderFault(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static CinderFault badRequest(String message) {
        return new CinderFault(400, message);
    }

    public static CinderFault invalidInput(String reason) {
        return new CinderFault(400, "Invalid input received: " + reason);
    }

    public static CinderFault notFound(String message) {
        return new CinderFault(404, message);
    }

    public static CinderFault resourceNotFound() {
        return new CinderFault(404, "The resource could not be found.");
    }

    public static CinderFault conflict(String reason) {
        return new CinderFault(409, "Resource conflict: " + reason);
    }

    public static CinderFault forbidden(String action) {
        return new CinderFault(403, "Policy doesn't allow " + action + " to be performed.");
    }

    public static CinderFault volumeNotFound(Object volumeId) {
        return notFound("Volume " + volumeId + " could not be found.");
    }

    public static CinderFault attachmentNotFound(Object attachmentId) {
        return notFound("Volume attachment could not be found with filter: attachment_id = " + attachmentId + ".");
    }

    /** The 406 echoes the requested (unsupported) version in the response header. */
    CinderFault withVersion(ApiVersion requested) {
        this.version = requested;
        return this;
    }

    public int status() {
        return status;
    }

    ApiVersion version() {
        return version;
    }

    /** Cinder's fault names (wsgi.Fault); anything without one, 406 and 500 included, is computeFault. */
    public static String faultName(int status) {
        return switch (status) {
            case 400 -> "badRequest";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "itemNotFound";
            case 405 -> "badMethod";
            case 409 -> "conflictingRequest";
            case 413 -> "overLimit";
            case 415 -> "badMediaType";
            case 501 -> "notImplemented";
            case 503 -> "serviceUnavailable";
            default -> "computeFault";
        };
    }
}
