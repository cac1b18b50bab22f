package io.mooring.engine.iscsi.login;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** CHAP with MD5 (RFC 1994) as iSCSI carries it (RFC 7143 12.1.3): binary values in hex (0x) or base64 (0b). */
public final class Chap {

    public static final String ALGORITHM_MD5 = "5";
    public static final int MD5_LENGTH = 16;
    public static final int CHALLENGE_LENGTH = 16;
    public static final int MAX_CHALLENGE_LENGTH = 1024;

    private Chap() {
    }

    /** Decodes a binary value; throws IllegalArgumentException on an empty, odd or malformed value. */
    public static byte[] decode(String value) {
        if (value.length() < 3) {
            throw new IllegalArgumentException("empty binary value");
        }
        String prefix = value.substring(0, 2);
        String body = value.substring(2);
        if (prefix.equalsIgnoreCase("0x")) {
            if (body.length() % 2 != 0) {
                throw new IllegalArgumentException("odd number of hex digits");
            }
            byte[] out = new byte[body.length() / 2];
            for (int i = 0; i < out.length; i++) {
                int hi = Character.digit(body.charAt(2 * i), 16);
                int lo = Character.digit(body.charAt(2 * i + 1), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("not a hex digit");
                }
                out[i] = (byte) (hi << 4 | lo);
            }
            return out;
        }
        if (prefix.equalsIgnoreCase("0b")) {
            byte[] out = Base64.getDecoder().decode(body);
            if (out.length == 0) {
                throw new IllegalArgumentException("empty binary value");
            }
            return out;
        }
        throw new IllegalArgumentException("binary value needs a 0x or 0b prefix");
    }

    public static String encodeHex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(2 + bytes.length * 2).append("0x");
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }

    /** MD5(identifier || secret || challenge). */
    public static byte[] response(int identifier, String secret, byte[] challenge) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update((byte) identifier);
            md5.update(secret.getBytes(StandardCharsets.UTF_8));
            md5.update(challenge);
            return md5.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is a required JDK algorithm", e);
        }
    }

    /** Constant-time check of an initiator's CHAP_R. */
    public static boolean verify(byte[] received, int identifier, String secret, byte[] challenge) {
        return MessageDigest.isEqual(received, response(identifier, secret, challenge));
    }
}
