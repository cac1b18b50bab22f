package io.mooring.volume;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A list request after the API layer checked it: filters by entity attribute (equality, or a {@link Like} or
 * {@link MetadataContains} value), sort keys (already validated
 * against the entity's sortable attributes), and Cinder's paging (limit, marker = id of the last row seen, offset).
 * {@code matchesNothing}: a filter value that cannot match (the answer is empty, but the marker is still checked).
 * {@code withCount}: the answer also carries the number of matches (3.45).
 */
public record ListQuery(Map<String, Object> filters, List<Sort> sort, Integer limit, String marker, int offset, boolean allTenants,
                        boolean matchesNothing, boolean withCount) {

    public record Sort(String attribute, boolean ascending) {
    }

    /** Cinder's inexact filter {@code key~=value}: SQL {@code LIKE '%value%'} on {@code attribute}, the value's own wildcards kept. */
    public record Like(String attribute, String value) {
    }

    /** Cinder's {@code metadata} filter: the volume holds every one of these pairs. */
    public record MetadataContains(Map<String, String> pairs) {
    }

    /** Text attributes that may be null: sorted and compared as '' so that markers stay exact. */
    private static final Set<String> NULLABLE_TEXT = Set.of("name", "description");

    /**
     * Cinder's order (process_sort_params): the requested keys, then created_at and id where missing, in the first
     * key's direction (descending by default); id makes markers exact.
     */
    public List<Sort> order() {
        List<Sort> order = new ArrayList<>(sort);
        boolean ascending = !sort.isEmpty() && sort.get(0).ascending();
        for (String tieBreaker : List.of("createdAt", "id")) {
            if (order.stream().noneMatch(s -> s.attribute().equals(tieBreaker))) {
                order.add(new Sort(tieBreaker, ascending));
            }
        }
        return order;
    }

    /** HQL "order by" for {@code alias}. */
    public String orderBy(String alias) {
        return String.join(", ", order().stream().map(s -> term(alias, s.attribute()) + (s.ascending() ? " asc" : " desc")).toList());
    }

    /** How {@code attribute} is sorted and compared; a marker's value for it must be given the same way ({@link #markerValue}). */
    private static String term(String alias, String attribute) {
        return NULLABLE_TEXT.contains(attribute) ? "coalesce(" + alias + "." + attribute + ", '')" : alias + "." + attribute;
    }

    /** A marker row's value of a sort attribute, as {@link #afterMarker} compares it. */
    public static Object markerValue(String attribute, Object value) {
        return value == null && NULLABLE_TEXT.contains(attribute) ? "" : value;
    }

    /**
     * HQL condition selecting the rows after the marker row in {@link #order()}: the lexicographic comparison
     * (k1 > m1) or (k1 = m1 and k2 > m2) ... with each comparison flipped for descending keys. Parameters are
     * named {@code m0, m1, ...}, the marker row's values ({@link #markerValue}) in the same order.
     */
    public String afterMarker(String alias) {
        List<Sort> order = order();
        List<String> alternatives = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            StringBuilder alternative = new StringBuilder("(");
            for (int j = 0; j < i; j++) {
                alternative.append(term(alias, order.get(j).attribute())).append(" = :m").append(j).append(" and ");
            }
            Sort key = order.get(i);
            alternative.append(term(alias, key.attribute())).append(key.ascending() ? " > :m" : " < :m").append(i).append(')');
            alternatives.add(alternative.toString());
        }
        return "(" + String.join(" or ", alternatives) + ")";
    }
}
