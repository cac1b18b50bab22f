package io.mooring.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * How the portal slows down logins that keep failing (see {@code iscsi.login.LoginThrottle}): after
 * {@code threshold} failed logins (authentication, authorization, target not found) of one (source address,
 * initiator name, target name) within {@code window}, that key's logins are answered only after {@code delay} and
 * then refused with Service Unavailable (0x0301) for a back-off that starts at {@code initialBackoff} and doubles
 * with each failure right after one, up to {@code maxBackoff}. A successful login forgets the key.
 *
 * @param enabled        false: every login is answered at once, nothing is counted
 * @param threshold      failed logins within the window that start a back-off (at least 1)
 * @param window         how long failed logins are counted together, and how long after a back-off a failure doubles it
 * @param delay          how long a refused login waits for its answer
 * @param initialBackoff the first back-off period
 * @param maxBackoff     the longest back-off period
 */
public record LoginThrottling(boolean enabled, int threshold, Duration window, Duration delay, Duration initialBackoff,
                              Duration maxBackoff) {

    public LoginThrottling {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (threshold < 1) {
            throw new IllegalArgumentException("login throttle threshold " + threshold + " (at least 1)");
        }
        if (!window.isPositive() || delay.isNegative() || !initialBackoff.isPositive()
                || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("login throttle: window and initial back-off must be positive, delay not"
                    + " negative, max back-off at least the initial one");
        }
    }

    /** 5 failures in 60 s, then each login answered after 1 s and refused for 10 s, doubling up to 5 min. */
    public static LoginThrottling defaults() {
        return new LoginThrottling(true, 5, Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofMinutes(5));
    }

    /** No throttling: every login is answered at once. */
    public static LoginThrottling off() {
        LoginThrottling d = defaults();
        return new LoginThrottling(false, d.threshold, d.window, d.delay, d.initialBackoff, d.maxBackoff);
    }
}
