package io.mooring.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's repr()/str() of JSON values: Cinder's validation messages quote the offending value this way. And the
 * reverse for the one literal clients send: a dict in a query parameter (cinderclient's {@code metadata={'k': 'v'}}).
 */
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

    /**
     * A Python dict literal of string keys and string or integer values, as ast.literal_eval reads it ({@code {'k': 'v',
     * "n": 1}}), integers as their digits (Cinder's database compares them with the text values); null when the text
     * is anything else.
     */
    public static Map<String, String> parseDict(String text) {
        Literal in = new Literal(text);
        Map<String, String> dict = new LinkedHashMap<>();
        if (!in.take('{')) {
            return null;
        }
        while (!in.take('}')) {
            String key = in.string();
            if (key == null || !in.take(':')) {
                return null;
            }
            String value = in.string();
            if (value == null) {
                value = in.integer();
            }
            if (value == null) {
                return null;
            }
            dict.put(key, value);
            if (!in.take(',') && !in.peek('}')) {
                return null;
            }
        }
        return in.atEnd() ? dict : null;
    }

    /** A cursor over a Python literal, skipping whitespace between tokens. */
    private static final class Literal {

        private final String text;
        private int at;

        Literal(String text) {
            this.text = text;
        }

        private void skipSpace() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        boolean peek(char c) {
            skipSpace();
            return at < text.length() && text.charAt(at) == c;
        }

        boolean take(char c) {
            if (!peek(c)) {
                return false;
            }
            at++;
            return true;
        }

        boolean atEnd() {
            skipSpace();
            return at == text.length();
        }

        /** A '…' or "…" string with Python's common escapes; null (nothing consumed) when none is here. */
        String string() {
            skipSpace();
            if (at >= text.length() || (text.charAt(at) != '\'' && text.charAt(at) != '"')) {
                return null;
            }
            char quote = text.charAt(at);
            StringBuilder out = new StringBuilder();
            for (int i = at + 1; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == quote) {
                    at = i + 1;
                    return out.toString();
                }
                if (c == '\\' && i + 1 < text.length()) {
                    char escaped = text.charAt(++i);
                    out.append(switch (escaped) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        case 'r' -> '\r';
                        case '0' -> '\0';
                        default -> escaped;
                    });
                } else {
                    out.append(c);
                }
            }
            return null;
        }

        /** An integer's digits (sign and Python's underscores allowed), or null. */
        String integer() {
            skipSpace();
            Matcher m = INTEGER.matcher(text).region(at, text.length());
            if (!m.lookingAt()) {
                return null;
            }
            at = m.end();
            return new BigInteger(m.group().replace("_", "")).toString();
        }
    }

    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9](_?[0-9])*");
}
