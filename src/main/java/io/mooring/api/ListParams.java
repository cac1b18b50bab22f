package io.mooring.api;

import io.mooring.domain.Uuids;
import io.mooring.volume.ListQuery;
import jakarta.ws.rs.core.MultivaluedMap;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Cinder's list query parameters (api/common.py): sort / sort_key+sort_dir, limit, offset, marker, all_tenants,
 * and resource filters checked against the allowed list (3.31 RESOURCE_FILTER).
 */
final class ListParams {

    /** Cinder's osapi_max_limit. */
    static final int MAX_LIMIT = 1000;

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

        Integer limit = null;
        String limitText = opts.remove("limit");
        if (limitText != null) {
            BigInteger parsed = integer(limitText, "limit param must be an integer");
            if (parsed.signum() < 0) {
                throw CinderFault.badRequest("limit param must be positive");
            }
            limit = parsed.min(BigInteger.valueOf(MAX_LIMIT)).intValue();
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
            if (filter == null) {
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
}
