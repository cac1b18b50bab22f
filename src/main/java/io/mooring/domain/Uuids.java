package io.mooring.domain;

import java.util.regex.Pattern;

/** Ids as clients write them: oslo's uuid-like forms (braces, urn:uuid:, no dashes, any case). */
public final class Uuids {

    private static final Pattern UUID_LIKE = Pattern.compile(
            "(?i)^(urn:uuid:|uuid:)?\\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}}?$");

    private Uuids() {
    }

    /** The canonical form of a uuid-like string, or null when it is not one. */
    public static String canonical(String text) {
        if (text == null || !UUID_LIKE.matcher(text).matches()) {
            return null;
        }
        String hex = text.toLowerCase().replace("urn:uuid:", "").replace("uuid:", "")
                .replace("{", "").replace("}", "").replace("-", "");
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }
}
