package io.mooring.volume;

/** Recognises a database constraint violation by the constraint's name anywhere in the cause chain. */
public final class Constraints {

    private Constraints() {
    }

    public static boolean violated(Throwable failure, String constraint) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.contains(constraint)) {
                return true;
            }
        }
        return false;
    }
}
