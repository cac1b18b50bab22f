package io.mooring.volume;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A list request after the API layer checked it: equality filters by entity attribute, sort keys (already validated
 * against the entity's sortable attributes), and Cinder's paging (limit, marker = id of the last row seen, offset).
 * {@code matchesNothing}: a filter value that cannot match (the answer is empty, but the marker is still checked).
 * {@code withCount}: the answer also carries the number of matches (3.45).
 */
public record ListQuery(Map<String, Object> filters, List<Sort> sort, Integer limit, String marker, int offset, boolean allTenants,
                        boolean matchesNothing, boolean withCount) {

    public record Sort(String attribute, boolean ascending) {
    }

    /** Cinder's default order, with id as the tie-breaker that makes markers exact. */
    public List<Sort> order() {
        List<Sort> order = new ArrayList<>(sort.isEmpty() ? List.of(new Sort("createdAt", false)) : sort);
        if (order.stream().noneMatch(s -> s.attribute().equals("id"))) {
            order.add(new Sort("id", order.get(order.size() - 1).ascending()));
        }
        return order;
    }

    /** HQL "order by" for {@code alias}. */
    public String orderBy(String alias) {
        return String.join(", ", order().stream().map(s -> alias + "." + s.attribute() + (s.ascending() ? " asc" : " desc")).toList());
    }

    /**
     * HQL condition selecting the rows after the marker row in {@link #order()}: the lexicographic comparison
     * (k1 > m1) or (k1 = m1 and k2 > m2) ... with each comparison flipped for descending keys. Parameters are
     * named {@code m0, m1, ...} and taken from {@code markerValues} in the same order.
     */
    public String afterMarker(String alias) {
        List<Sort> order = order();
        List<String> alternatives = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            StringBuilder term = new StringBuilder("(");
            for (int j = 0; j < i; j++) {
                term.append(alias).append('.').append(order.get(j).attribute()).append(" = :m").append(j).append(" and ");
            }
            Sort key = order.get(i);
            term.append(alias).append('.').append(key.attribute()).append(key.ascending() ? " > :m" : " < :m").append(i).append(')');
            alternatives.add(term.toString());
        }
        return "(" + String.join(" or ", alternatives) + ")";
    }
}
