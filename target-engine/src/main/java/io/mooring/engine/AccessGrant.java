package io.mooring.engine;

import java.util.Objects;
import java.util.Set;

/**
 * Who may log in to a target: initiators named in {@code initiatorNames} that authenticate with this CHAP account.
 * When {@code mutualUser}/{@code mutualSecret} are set the target answers an initiator's challenge with them
 * (mutual CHAP). {@link #toString()} never shows a secret.
 *
 * @param readOnly every command of such a session is write protected
 */
public record AccessGrant(String chapUser, String chapSecret, Set<String> initiatorNames, boolean readOnly,
                          String mutualUser, String mutualSecret) {

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
    }

    /** A one-way CHAP grant. */
    public static AccessGrant of(String chapUser, String chapSecret, Set<String> initiatorNames, boolean readOnly) {
        return new AccessGrant(chapUser, chapSecret, initiatorNames, readOnly, null, null);
    }

    public boolean admits(String initiatorName) {
        return initiatorNames.contains(initiatorName);
    }

    @Override
    public String toString() {
        return "AccessGrant[chapUser=" + chapUser + ", chapSecret=****, initiatorNames=" + initiatorNames
                + ", readOnly=" + readOnly + ", mutualUser=" + mutualUser
                + ", mutualSecret=" + (mutualSecret == null ? "null" : "****") + "]";
    }
}
