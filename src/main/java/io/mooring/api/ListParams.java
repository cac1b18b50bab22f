package io.mooring.api;

import io.mooring.domain.Uuids;
import io.mooring.volume.ListQuery;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Cinder's list query parameters (api/common.py): sort / sort_key+sort_dir, limit (capped at osapi_max_limit, which is
 * also the default), offset, marker, all_tenants, and resource filters checked against the allowed list (3.31
 * RESOURCE_FILTER); and the paging links of a full page (_get_collection_links).
 */
final class ListParams {

    private ListParams() {
    }

    /** A filter value every row matches: no condition. */
    static final Object ALL = new Object();

    /** A filter value that can never match (e.g. a volume_id that is not a uuid): the answer is an empty list. */
    static final Object NO_MATCH = new Object();

    /**
     * @param filters allowed filter name → (value → entity attribute and typed value, or {@link #NO_MATCH})
     * @param countable whether the list supports 3.45 {@code with_count} (volumes do, attachments do not)
     * @return the query, or null when the answer is known to be empty
     */
    static ListQuery parse(MultivaluedMap<String, String> params, ApiRequest request, Map<String, String> sortKeys,
                           Map<String, BiFunction<String, String, Map.Entry<String, Object>>> filters, boolean countable) {
        Map<String, String> opts = new LinkedHashMap<>();
        params.forEach((key, values) -> opts.put(key, values.isEmpty() ? "" : values.get(values.size() - 1)));

        String sort = opts.remove("sort");
        String sortKey = opts.remove("sort_key");
        String sortDir = opts.remove("sort_dir");
        if (sort != null && (sortKey != null || sortDir != null)) {
            throw CinderFault.badRequest("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.");
        }
        List<ListQuery.Sort> order = new ArrayList<>();
        if (sort != null) {
            for (String item : sort.split(",")) {
                String[] parts = item.trim().split(":", 2);
                order.add(sortItem(parts[0].trim(), parts.length > 1 ? parts[1].trim() : "desc", sortKeys));
            }
        } else if (sortKey != null || sortDir != null) {
            order.add(sortItem(sortKey == null ? "created_at" : sortKey, sortDir == null ? "desc" : sortDir, sortKeys));
        }

        int limit = request.maxLimit();
        String limitText = opts.remove("limit");
        if (limitText != null) {
            BigInteger parsed = integer(limitText, "limit param must be an integer");
            if (parsed.signum() < 0) {
                throw CinderFault.badRequest("limit param must be positive");
            }
            limit = parsed.min(BigInteger.valueOf(limit)).intValue();
        }
        int offset = 0;
        String offsetText = opts.remove("offset");
        if (offsetText != null) {
            BigInteger parsed = integer(offsetText, "offset param must be an integer");
            if (parsed.signum() < 0) {
                throw CinderFault.badRequest("offset param must be positive");
            }
            if (parsed.bitLength() > 30) {
                throw CinderFault.badRequest("offset param must be an integer");
            }
            offset = parsed.intValue();
        }
        String markerText = opts.remove("marker");

        // 3.45: with_count asks for the total next to a volume list (oslo bool_from_string)
        String withCountText = countable && request.version().atLeast(ApiVersion.SUPPORT_COUNT_INFO) ? opts.remove("with_count") : null;
        boolean withCount = withCountText != null && Set.of("1", "t", "true", "on", "y", "yes").contains(withCountText.trim().toLowerCase());
        boolean allTenants = opts.remove("all_tenants") != null && request.admin();
        String projectFilter = opts.remove("project_id");

        Map<String, Object> resolved = new LinkedHashMap<>();
        Set<String> invalid = new TreeSet<>();
        boolean noMatch = false;
        for (Map.Entry<String, String> opt : opts.entrySet()) {
            var filter = filters.get(opt.getKey());
            // Inexact filters (key~) are an admin's: stock resource_filters.json allows members none of them.
            if (filter == null || opt.getKey().endsWith("~") && !request.admin()) {
                invalid.add(opt.getKey());
                continue;
            }
            Map.Entry<String, Object> attribute = filter.apply(opt.getKey(), opt.getValue());
            if (attribute.getValue() == NO_MATCH) {
                noMatch = true;
            } else if (attribute.getValue() != ALL) {
                resolved.put(attribute.getKey(), attribute.getValue());
            }
        }
        if (!invalid.isEmpty()) {
            if (request.admin()) {
                // Cinder quirk kept: an admin's unknown filter names no column and matches nothing (spec §9.2).
                noMatch = true;
            } else if (request.version().atLeast(ApiVersion.RESOURCE_FILTER)) {
                throw CinderFault.badRequest("Invalid filters " + String.join(",", invalid) + " are found in query options.");
            }
        }
        if (allTenants && projectFilter != null) {
            resolved.put("projectId", projectFilter);
        }
        return new ListQuery(resolved, order, limit, markerText, offset, allTenants, noMatch, withCount);
    }

    private static ListQuery.Sort sortItem(String key, String dir, Map<String, String> sortKeys) {
        String attribute = sortKeys.get(key);
        if (attribute == null) {
            throw CinderFault.invalidInput("Invalid sort key");
        }
        if (!dir.equalsIgnoreCase("asc") && !dir.equalsIgnoreCase("desc")) {
            throw CinderFault.invalidInput("Invalid sort direction");
        }
        return new ListQuery.Sort(attribute, dir.equalsIgnoreCase("asc"));
    }

    private static BigInteger integer(String text, String message) {
        try {
            return new BigInteger(text.trim());
        } catch (NumberFormatException e) {
            throw CinderFault.badRequest(message);
        }
    }

    /** A filter on a uuid column: a value that is not a uuid cannot match anything. */
    static BiFunction<String, String, Map.Entry<String, Object>> uuidFilter(String attribute) {
        return (name, value) -> {
            String canonical = Uuids.canonical(value);
            return Map.entry(attribute, canonical == null ? NO_MATCH : UUID.fromString(canonical));
        };
    }

    static BiFunction<String, String, Map.Entry<String, Object>> textFilter(String attribute) {
        return (name, value) -> Map.entry(attribute, value);
    }

    /** Cinder's inexact {@code key~=value} (3.34 LIKE_FILTER): the attribute contains the value. */
    static BiFunction<String, String, Map.Entry<String, Object>> likeFilter(String attribute) {
        return (name, value) -> Map.entry(name, new ListQuery.Like(attribute, value));
    }

    /**
     * Cinder's {@code metadata} filter: a Python dict literal (cinderclient sends {@code str(dict)}, Cinder reads it with
     * ast.literal_eval); anything else is not a dict and matches nothing, as in Cinder.
     */
    static BiFunction<String, String, Map.Entry<String, Object>> metadataFilter() {
        return (name, value) -> {
            Map<String, String> pairs = PyRepr.parseDict(value);
            return Map.entry(name, pairs == null ? NO_MATCH : pairs.isEmpty() ? ALL : new ListQuery.MetadataContains(pairs));
        };
    }

    /**
     * Cinder's {@code <collection>_links}: a {@code next} link when the page is full (as many items as the limit, or
     * as {@code count} when it was asked for), pointing at the same query with the last item as the marker.
     * Empty otherwise.
     */
    static List<Map<String, String>> nextLinks(ApiRequest request, UriInfo uri, String collection, ListQuery query, List<String> ids,
                                               Long count) {
        long itemCount = count == null || count == 0 ? ids.size() : count;
        if (ids.isEmpty() || query.limit() > itemCount) {
            return List.of();
        }
        StringJoiner params = new StringJoiner("&");
        String raw = uri.getRequestUri().getRawQuery();
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            String[] parts = pair.split("=", 2);
            String key = decode(parts[0]);
            if (!pair.isEmpty() && !key.equals("marker")) {
                params.add(quotePlus(key) + "=" + quotePlus(parts.length > 1 ? decode(parts[1]) : ""));
            }
        }
        params.add("marker=" + quotePlus(ids.get(ids.size() - 1)));
        return List.of(Map.of("rel", "next",
                "href", request.endpoint() + "/v3/" + request.projectId() + "/" + collection + "?" + params));
    }

    private static String decode(String formEncoded) {
        try {
            return URLDecoder.decode(formEncoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformedEscape) {
            return formEncoded;
        }
    }

    /** Python's urllib.parse.quote_plus, which Cinder's urlencode applies to each key and value. */
    private static String quotePlus(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "_.-~".indexOf(c) >= 0)) {
                out.append(c);
            } else if (c == ' ') {
                out.append('+');
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
        }
        return out.toString();
    }
}
