package io.mooring.engine;

import java.util.Optional;

/**
 * The CHAP hash algorithms the target offers (RFC 7143 12.1.3; numbers from IANA's PPP authentication
 * algorithms, as Linux's target and libiscsi use them), weakest first: a grant's minimum admits that algorithm
 * and every later one.
 */
public enum ChapAlgorithm {

    /** RFC 1994's MD5, the only one old initiators know. */
    MD5(5, "MD5", 16),
    SHA_256(7, "SHA-256", 32),
    SHA3_256(8, "SHA3-256", 32);

    private final int number;
    private final String digestName;
    private final int length;

    ChapAlgorithm(int number, String digestName, int length) {
        this.number = number;
        this.digestName = digestName;
        this.length = length;
    }

    /** The value of CHAP_A. */
    public int number() {
        return number;
    }

    /** The JDK's {@code MessageDigest} name. */
    public String digestName() {
        return digestName;
    }

    /** Bytes in a response; also the length of the challenges the target sends. */
    public int length() {
        return length;
    }

    public boolean atLeast(ChapAlgorithm minimum) {
        return compareTo(minimum) >= 0;
    }

    /** The algorithm with this CHAP_A value, if offered. */
    public static Optional<ChapAlgorithm> ofNumber(String value) {
        for (ChapAlgorithm algorithm : values()) {
            if (Integer.toString(algorithm.number).equals(value)) {
                return Optional.of(algorithm);
            }
        }
        return Optional.empty();
    }
}
