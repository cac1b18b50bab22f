package io.mooring.engine.iscsi.login;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parses and writes iSCSI text: {@code key=value} pairs, each terminated by a NUL (RFC 7143 6.1). */
public final class TextParameters {

    public static final int MAX_KEY_LENGTH = 63;
    public static final int MAX_VALUE_LENGTH = 255;
    /** CHAP_C and CHAP_R carry up to 1024 binary bytes: "0x" + 2048 hex digits. */
    public static final int MAX_BINARY_VALUE_LENGTH = 2 + 2 * 1024;

    private TextParameters() {
    }

    /** The pairs in order of appearance. */
    public static Map<String, String> parse(ByteBuf text) throws TextFormatException {
        Map<String, String> pairs = new LinkedHashMap<>();
        int end = text.writerIndex();
        int at = text.readerIndex();
        while (at < end) {
            int nul = text.indexOf(at, end, (byte) 0);
            if (nul < 0) {
                throw new TextFormatException("text not terminated by NUL");
            }
            if (nul == at) {
                at++; // stray NUL padding: nothing to parse
                continue;
            }
            String pair = text.toString(at, nul - at, StandardCharsets.UTF_8);
            at = nul + 1;
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new TextFormatException("pair without key=value");
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            if (key.length() > MAX_KEY_LENGTH || !validKey(key)) {
                throw new TextFormatException("invalid key");
            }
            int limit = key.startsWith("CHAP_") ? MAX_BINARY_VALUE_LENGTH : MAX_VALUE_LENGTH;
            if (value.length() > limit) {
                throw new TextFormatException("value of " + key + " too long");
            }
            if (pairs.putIfAbsent(key, value) != null) {
                throw new TextFormatException("key " + key + " given twice");
            }
        }
        return pairs;
    }

    private static boolean validKey(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '-' || c == '+' || c == '@' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Appends {@code key=value\0}. */
    public static void write(ByteBuf out, String key, String value) {
        out.writeCharSequence(key, StandardCharsets.UTF_8);
        out.writeByte('=');
        out.writeCharSequence(value, StandardCharsets.UTF_8);
        out.writeByte(0);
    }

    public static void writeAll(ByteBuf out, Map<String, String> pairs) {
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            write(out, e.getKey(), e.getValue());
        }
    }
}
