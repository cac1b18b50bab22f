package io.mooring.engine.iscsi.login;

import io.mooring.engine.ChapAlgorithm;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;

/**
 * CHAP (RFC 1994) as iSCSI carries it (RFC 7143 12.1.3): binary values in hex (0x) or base64 (0b), the response
 * a hash of identifier, secret and challenge with the algorithm chosen by CHAP_A.
 */
public final class Chap {

    public static final int MAX_CHALLENGE_LENGTH = 1024;

    private Chap() {
    }

    /**
     * The first algorithm of the initiator's CHAP_A list that the target offers and that is at least {@code minimum}:
     * the initiator orders the list by preference (RFC 7143 12.1.3), as Linux's target and libiscsi read it.
     */
    public static Optional<ChapAlgorithm> choose(String offered, ChapAlgorithm minimum) {
        for (String number : offered.split(",")) {
            Optional<ChapAlgorithm> algorithm = ChapAlgorithm.ofNumber(number.trim()).filter(a -> a.atLeast(minimum));
            if (algorithm.isPresent()) {
                return algorithm;
            }
        }
        return Optional.empty();
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

    /** H(identifier || secret || challenge). */
    public static byte[] response(ChapAlgorithm algorithm, int identifier, String secret, byte[] challenge) {
        try {
            MessageDigest digest = MessageDigest.getInstance(algorithm.digestName());
            digest.update((byte) identifier);
            digest.update(secret.getBytes(StandardCharsets.UTF_8));
            digest.update(challenge);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm.digestName() + " missing from the JDK", e);
        }
    }

    /** Constant-time check of an initiator's CHAP_R. */
    public static boolean verify(ChapAlgorithm algorithm, byte[] received, int identifier, String secret,
                                 byte[] challenge) {
        return MessageDigest.isEqual(received, response(algorithm, identifier, secret, challenge));
    }
}
