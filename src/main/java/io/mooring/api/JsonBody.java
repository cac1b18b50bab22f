package io.mooring.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mooring.domain.Uuids;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Request bodies, parsed and checked the way Cinder's JSON-schema validation does, with its messages: a failure at
 * the top level is the bare jsonschema message, a nested one reads
 * {@code Invalid input for field/attribute <field>. Value: <value>. <message>}.
 */
public final class JsonBody {

    /** Cinder's sizelimit middleware default (max_request_body_size); {@link HttpHygiene} enforces it as bodies arrive. */
    public static final int MAX_BYTES = 114_688;

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonBody() {
    }

    /** The body as a JSON object; anything unparseable is Cinder's "Malformed request body". */
    public static ObjectNode parseObject(byte[] body) {
        if (body == null || body.length == 0) {
            throw CinderFault.badRequest("Malformed request body");
        }
        JsonNode node;
        try {
            node = STRICT.readTree(body);
        } catch (IOException e) {
            // JSON syntax, invalid UTF-8, trailing tokens, nesting deeper than Jackson's limit
            throw CinderFault.badRequest("Malformed request body");
        }
        if (node == null || node.isMissingNode()) {
            throw CinderFault.badRequest("Malformed request body");
        }
        if (!node.isObject()) {
            throw CinderFault.badRequest(PyRepr.of(node) + " is not of type 'object'");
        }
        rejectNul(node);
        return (ObjectNode) node;
    }

    /** PostgreSQL text cannot hold U+0000: refuse it up front rather than fail in the database. */
    private static void rejectNul(JsonNode node) {
        if (node.isTextual() && node.textValue().indexOf('\0') >= 0) {
            throw CinderFault.invalidInput("Strings may not contain NUL characters.");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().indexOf('\0') >= 0) {
                throw CinderFault.invalidInput("Strings may not contain NUL characters.");
            }
            rejectNul(entry.getValue());
        }
        if (node.isArray()) {
            node.forEach(JsonBody::rejectNul);
        }
    }

    public static CinderFault tooLarge() {
        return new CinderFault(413, "Request is too large. Larger than max_request_body_size (" + MAX_BYTES + ").");
    }

    /** A schema violation found at {@code field} (null = the top level) whose value is {@code value}. */
    public static CinderFault invalid(String field, JsonNode value, String message) {
        if (field == null) {
            return CinderFault.badRequest(message);
        }
        return CinderFault.badRequest("Invalid input for field/attribute " + field + ". Value: " + PyRepr.str(value) + ". " + message);
    }

    /** {@code object.get(key)} which must be an object; a missing key is reported as a required property. */
    public static ObjectNode requiredObject(ObjectNode parent, String parentField, String key) {
        JsonNode child = parent.get(key);
        if (child == null) {
            throw invalid(parentField, parent, "'" + key + "' is a required property");
        }
        if (!child.isObject()) {
            throw invalid(key, child, PyRepr.of(child) + " is not of type 'object'");
        }
        return (ObjectNode) child;
    }

    public static void required(ObjectNode object, String field, String... keys) {
        for (String key : keys) {
            if (!object.has(key)) {
                throw invalid(field, object, "'" + key + "' is a required property");
            }
        }
    }

    /** additionalProperties: false. */
    public static void onlyKeys(ObjectNode object, String field, Set<String> allowed) {
        List<String> unexpected = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                unexpected.add(PyRepr.of(key));
            }
        }
        if (!unexpected.isEmpty()) {
            String verb = unexpected.size() == 1 ? "was" : "were";
            throw invalid(field, object, "Additional properties are not allowed (" + String.join(", ", unexpected) + " " + verb + " unexpected)");
        }
    }

    /** A string or null; longer than {@code maxLength} fails as jsonschema's maxLength. */
    public static String optionalString(ObjectNode object, String key, int maxLength) {
        JsonNode value = object.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw invalid(key, value, PyRepr.of(value) + " is not of type 'string', 'null'");
        }
        if (value.textValue().length() > maxLength) {
            throw invalid(key, value, PyRepr.of(value) + " is too long");
        }
        return value.textValue();
    }

    /** A uuid (Cinder's format checker accepts oslo's uuid-like forms); returned in canonical lower-case form. */
    public static String uuid(ObjectNode object, String key, boolean nullable) {
        JsonNode value = object.get(key);
        if (value == null || (nullable && value.isNull())) {
            return null;
        }
        if (!value.isTextual()) {
            throw invalid(key, value, PyRepr.of(value) + " is not of type " + (nullable ? "'string', 'null'" : "'string'"));
        }
        String canonical = Uuids.canonical(value.textValue());
        if (canonical == null) {
            throw invalid(key, value, PyRepr.of(value) + " is not a 'uuid'");
        }
        return canonical;
    }

    /** Cinder's metadata keys (parameter_types.extra_specs' patternProperties). */
    private static final java.util.regex.Pattern METADATA_KEY = java.util.regex.Pattern.compile("^[a-zA-Z0-9-_:. ]{1,255}$");

    /** Cinder's metadata_allows_null: a JSON object of string values, null when absent or null. */
    public static Map<String, String> stringMap(ObjectNode object, String key) {
        JsonNode value = object.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        return metadata(key, value, "'object', 'null'");
    }

    /** Cinder's extra_specs schema (metadata of PUT volume and the metadata calls): required to be an object. */
    public static Map<String, String> metadata(ObjectNode object, String key) {
        return metadata(key, object.get(key), "'object'");
    }

    /** In jsonschema's order: type, then each value (type, maxLength), then keys outside the pattern. */
    private static Map<String, String> metadata(String key, JsonNode value, String types) {
        if (value == null || !value.isObject()) {
            throw invalid(key, value, PyRepr.of(value) + " is not of type " + types);
        }
        Map<String, String> result = new LinkedHashMap<>();
        java.util.TreeSet<String> unexpected = new java.util.TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!METADATA_KEY.matcher(entry.getKey()).matches()) {
                unexpected.add(entry.getKey());
                continue;
            }
            JsonNode v = entry.getValue();
            if (!v.isTextual()) {
                throw invalid(entry.getKey(), v, PyRepr.of(v) + " is not of type 'string'");
            }
            if (v.textValue().codePointCount(0, v.textValue().length()) > 255) {
                throw invalid(entry.getKey(), v, PyRepr.of(v) + " is too long");
            }
            result.put(entry.getKey(), v.textValue());
        }
        if (!unexpected.isEmpty()) {
            throw invalid(key, value, String.join(", ", unexpected.stream().map(PyRepr::of).toList())
                    + (unexpected.size() == 1 ? " does" : " do") + " not match any of the regexes: '" + METADATA_KEY.pattern() + "'");
        }
        return result;
    }

    /** Cinder's parameter_types.boolean: a JSON boolean or one of oslo's strict boolean strings. */
    public static boolean strictBoolean(ObjectNode object, String key) {
        JsonNode value = object.get(key);
        if (value != null && value.isBoolean()) {
            return value.booleanValue();
        }
        if (value == null || !value.isTextual()) {
            throw invalid(key, value, PyRepr.of(value) + " is not of type 'boolean', 'string'");
        }
        String text = value.textValue();
        if (TRUE_STRINGS.contains(text)) {
            return true;
        }
        if (FALSE_STRINGS.contains(text)) {
            return false;
        }
        throw invalid(key, value, PyRepr.of(value) + " is not one of [True, " + String.join(", ", TRUE_STRINGS.stream().map(PyRepr::of).toList())
                + ", False, " + String.join(", ", FALSE_STRINGS.stream().map(PyRepr::of).toList()) + "]");
    }

    private static final List<String> TRUE_STRINGS = List.of("True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t");
    private static final List<String> FALSE_STRINGS = List.of("False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f");
}
