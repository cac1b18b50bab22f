package io.mooring.engine;

import java.util.Objects;
import java.util.Set;

/**
 * Who may log in to a target: initiators named in {@code initiatorNames} that authenticate with this CHAP account.
 * When {@code mutualUser}/{@code mutualSecret} are set the target answers an initiator's challenge with them
 * (mutual CHAP). {@link #toString()} never shows a secret.
 *
 * @param readOnly     every command of such a session is write protected
 * @param minimumChap  the weakest CHAP algorithm this account may log in with: a login that negotiated a weaker
 *                     one fails authentication (0x0201); {@link ChapAlgorithm#MD5} (the default) admits any
 */
public record AccessGrant(String chapUser, String chapSecret, Set<String> initiatorNames, boolean readOnly,
                          String mutualUser, String mutualSecret, ChapAlgorithm minimumChap) {

    public AccessGrant {
        Objects.requireNonNull(chapUser, "chapUser");
        Objects.requireNonNull(chapSecret, "chapSecret");
        if (chapUser.isEmpty() || chapSecret.isEmpty()) {
            throw new IllegalArgumentException("CHAP user and secret must not be empty");
        }
        initiatorNames = Set.copyOf(initiatorNames);
        if ((mutualUser == null) != (mutualSecret == null)) {
            throw new IllegalArgumentException("mutual CHAP needs both user and secret");
        }
        Objects.requireNonNull(minimumChap, "minimumChap");
    }

    /** A grant that admits any CHAP algorithm the initiator and target share. */
    public AccessGrant(String chapUser, String chapSecret, Set<String> initiatorNames, boolean readOnly,
                       String mutualUser, String mutualSecret) {
        this(chapUser, chapSecret, initiatorNames, readOnly, mutualUser, mutualSecret, ChapAlgorithm.MD5);
    }

    /** A one-way CHAP grant. */
    public static AccessGrant of(String chapUser, String chapSecret, Set<String> initiatorNames, boolean readOnly) {
        return new AccessGrant(chapUser, chapSecret, initiatorNames, readOnly, null, null);
    }

    /** This grant, admitting only {@code minimum} and stronger CHAP algorithms. */
    public AccessGrant withMinimumChap(ChapAlgorithm minimum) {
        return new AccessGrant(chapUser, chapSecret, initiatorNames, readOnly, mutualUser, mutualSecret, minimum);
    }

    /** Whether a login that authenticated with {@code algorithm} is strong enough for this grant. */
    public boolean admitsChap(ChapAlgorithm algorithm) {
        return algorithm.atLeast(minimumChap);
    }

    public boolean admits(String initiatorName) {
        return initiatorNames.contains(initiatorName);
    }

    @Override
    public String toString() {
        return "AccessGrant[chapUser=" + chapUser + ", chapSecret=****, initiatorNames=" + initiatorNames
                + ", readOnly=" + readOnly + ", mutualUser=" + mutualUser
                + ", mutualSecret=" + (mutualSecret == null ? "null" : "****") + ", minimumChap=" + minimumChap + "]";
    }
}
