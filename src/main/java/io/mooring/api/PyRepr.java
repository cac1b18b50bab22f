package io.mooring.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/** Python's repr()/str() of JSON values: Cinder's validation messages quote the offending value this way. */
public final class PyRepr {

    private PyRepr() {
    }

    /** str(): a string prints bare, everything else as repr. */
    public static String str(JsonNode node) {
        return node.isTextual() ? node.textValue() : of(node);
    }

    public static String of(String text) {
        return text.contains("'") && !text.contains("\"") ? "\"" + text + "\"" : "'" + text.replace("'", "\\'") + "'";
    }

    public static String of(JsonNode node) {
        if (node == null || node.isNull()) {
            return "None";
        }
        if (node.isTextual()) {
            return of(node.textValue());
        }
        if (node.isBoolean()) {
            return node.booleanValue() ? "True" : "False";
        }
        if (node.isNumber()) {
            return node.asText();
        }
        StringBuilder out = new StringBuilder();
        if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                out.append(i == 0 ? "" : ", ").append(of(node.get(i)));
            }
            return out.append(']').toString();
        }
        out.append('{');
        boolean first = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            out.append(first ? "" : ", ").append(of(entry.getKey())).append(": ").append(of(entry.getValue()));
            first = false;
        }
        return out.append('}').toString();
    }
}
