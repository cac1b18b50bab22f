package io.mooring.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A volume API microversion, parsed from {@code OpenStack-API-Version: volume 3.N} exactly as Cinder does. */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {

    public static final ApiVersion MIN = new ApiVersion(3, 0);
    /** Debian's cinderclient maximum: plain CLI commands then run without a downgrade warning. */
    public static final ApiVersion MAX = new ApiVersion(3, 70);

    public static final ApiVersion NEW_ATTACH = new ApiVersion(3, 27);
    public static final ApiVersion VOLUME_SUMMARY = new ApiVersion(3, 12);
    public static final ApiVersion ETAGS = new ApiVersion(3, 15);
    public static final ApiVersion RESOURCE_FILTER = new ApiVersion(3, 31);
    public static final ApiVersion VOLUME_SUMMARY_METADATA = new ApiVersion(3, 36);
    public static final ApiVersion LIMITS_ADMIN_FILTER = new ApiVersion(3, 39);
    public static final ApiVersion BACKEND_STATE_REPORT = new ApiVersion(3, 49);
    public static final ApiVersion CLUSTER_SUPPORT = new ApiVersion(3, 7);
    public static final ApiVersion NEW_ATTACH_COMPLETION = new ApiVersion(3, 44);
    public static final ApiVersion VOLUME_EXTEND_INUSE = new ApiVersion(3, 42);
    public static final ApiVersion SUPPORT_COUNT_INFO = new ApiVersion(3, 45);
    public static final ApiVersion SHARED_TARGETS_AND_SERVICE_FIELDS = new ApiVersion(3, 48);
    public static final ApiVersion SUPPORT_VOLUME_SCHEMA_CHANGES = new ApiVersion(3, 53);
    public static final ApiVersion ATTACHMENT_CREATE_MODE_ARG = new ApiVersion(3, 54);
    public static final ApiVersion VOLUME_CLUSTER_NAME = new ApiVersion(3, 61);
    public static final ApiVersion VOLUME_TYPE_ID_IN_VOLUME_DETAIL = new ApiVersion(3, 63);
    public static final ApiVersion USE_QUOTA = new ApiVersion(3, 65);
    public static final ApiVersion GROUP_VOLUME = new ApiVersion(3, 13);
    public static final ApiVersion VOLUME_DETAIL_PROVIDER_ID = new ApiVersion(3, 21);

    private static final Pattern FORMAT = Pattern.compile("^([1-9]\\d*)\\.([1-9]\\d*|0)$");

    public static final String HEADER = "OpenStack-API-Version";

    /**
     * Header values already accepted, so that the usual few ("volume 3.27", "volume 3.70", ...) are parsed once, not on
     * every call (splitting and matching was 3 % of a reserve's CPU). Bounded: callers cannot grow it past this.
     */
    private static final Map<String, ApiVersion> ACCEPTED = new ConcurrentHashMap<>();
    private static final int ACCEPTED_LIMIT = 256;

    /**
     * The version a request asks for. {@code header} is every value of the header joined by commas, or null.
     * Throws the Cinder fault for a malformed (400) or unsupported (406) version.
     */
    public static ApiVersion fromHeader(String header) {
        if (header == null || header.isBlank()) {
            return MIN;
        }
        ApiVersion known = ACCEPTED.get(header);
        if (known != null) {
            return known;
        }
        ApiVersion version = parse(header);
        if (ACCEPTED.size() < ACCEPTED_LIMIT) {
            ACCEPTED.put(header, version);
        }
        return version;
    }

    private static ApiVersion parse(String header) {
        String requested = null;
        for (String element : header.split(",")) {
            String[] parts = element.trim().split("\\s+", 2);
            if (parts[0].equalsIgnoreCase("volume")) {
                requested = parts.length > 1 ? parts[1].trim() : "";
            }
        }
        if (requested == null) {
            throw CinderFault.badRequest("The server could not comply with the request since it is either malformed or otherwise incorrect.");
        }
        if (requested.equalsIgnoreCase("latest")) {
            return MAX;
        }
        Matcher m = FORMAT.matcher(requested);
        if (!m.matches() || m.group(1).length() > 6 || m.group(2).length() > 6) {
            throw CinderFault.badRequest("API Version String " + requested + " is of invalid format. Must be of format MajorNum.MinorNum.");
        }
        ApiVersion version = new ApiVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        if (version.compareTo(MIN) < 0 || version.compareTo(MAX) > 0) {
            CinderFault unsupported = new CinderFault(406, "Version " + version + " is not supported by the API. Minimum is " + MIN
                    + " and maximum is " + MAX + ".");
            // Cinder echoes the version on its answers, except for the legacy v1/v2 ones
            throw version.major() < 3 ? unsupported : unsupported.withVersion(version);
        }
        return version;
    }

    public boolean atLeast(ApiVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
