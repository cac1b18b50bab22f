package io.mooring.engine.iscsi.node;

import java.util.concurrent.atomic.LongAdder;

/**
 * Logins that ended, by outcome: successes, and failures by the reason their final Login Response gave (RFC 7143
 * 11.13.5). Reasons are a fixed set, so nothing an initiator sends can add one. Lock-free, any thread.
 */
public final class LoginCounters {

    /** Why a login failed: the Status-Class and Status-Detail of its final Login Response. */
    public enum FailureReason {
        REDIRECTED("redirected"),
        AUTHENTICATION_FAILED("authentication_failed"),
        AUTHORIZATION_FAILED("authorization_failed"),
        NOT_FOUND("not_found"),
        TARGET_REMOVED("target_removed"),
        UNSUPPORTED_VERSION("unsupported_version"),
        TOO_MANY_CONNECTIONS("too_many_connections"),
        MISSING_PARAMETER("missing_parameter"),
        CANNOT_INCLUDE_IN_SESSION("cannot_include_in_session"),
        SESSION_TYPE_NOT_SUPPORTED("session_type_not_supported"),
        SESSION_DOES_NOT_EXIST("session_does_not_exist"),
        INVALID_DURING_LOGIN("invalid_during_login"),
        INITIATOR_ERROR("initiator_error"),
        SERVICE_UNAVAILABLE("service_unavailable"),
        OUT_OF_RESOURCES("out_of_resources"),
        TARGET_ERROR("target_error");

        private final String label;

        FailureReason(String label) {
            this.label = label;
        }

        /** Lower-case and stable: fit for a metric label. */
        public String label() {
            return label;
        }

        /** The reason a non-success status stands for; unknown details fall back to their class. */
        public static FailureReason of(int status) {
            return switch (status) {
                case 0x0201 -> AUTHENTICATION_FAILED;
                case 0x0202 -> AUTHORIZATION_FAILED;
                case 0x0203 -> NOT_FOUND;
                case 0x0204 -> TARGET_REMOVED;
                case 0x0205 -> UNSUPPORTED_VERSION;
                case 0x0206 -> TOO_MANY_CONNECTIONS;
                case 0x0207 -> MISSING_PARAMETER;
                case 0x0208 -> CANNOT_INCLUDE_IN_SESSION;
                case 0x0209 -> SESSION_TYPE_NOT_SUPPORTED;
                case 0x020a -> SESSION_DOES_NOT_EXIST;
                case 0x020b -> INVALID_DURING_LOGIN;
                case 0x0301 -> SERVICE_UNAVAILABLE;
                case 0x0302 -> OUT_OF_RESOURCES;
                default -> switch (status >>> 8) {
                    case 0x01 -> REDIRECTED;
                    case 0x02 -> INITIATOR_ERROR;
                    default -> TARGET_ERROR;
                };
            };
        }
    }

    private static final FailureReason[] REASONS = FailureReason.values();

    private final LongAdder successes = new LongAdder();
    private final LongAdder[] failures = new LongAdder[REASONS.length];

    public LoginCounters() {
        for (int i = 0; i < failures.length; i++) {
            failures[i] = new LongAdder();
        }
    }

    /** A login ended with the final Login Response status {@code status} (0: it succeeded). */
    public void ended(int status) {
        if (status == 0) {
            successes.increment();
        } else {
            failures[FailureReason.of(status).ordinal()].increment();
        }
    }

    public Snapshot snapshot() {
        long[] byReason = new long[failures.length];
        for (int i = 0; i < byReason.length; i++) {
            byReason[i] = failures[i].sum();
        }
        return new Snapshot(successes.sum(), byReason);
    }

    /** @param failures per {@link FailureReason} (by ordinal) */
    public record Snapshot(long successes, long[] failures) {

        public long failures(FailureReason reason) {
            return failures[reason.ordinal()];
        }
    }
}
