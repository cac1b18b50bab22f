package io.mooring.engine.iscsi.login;

/** Text keys that break RFC 7143 6.1 (no NUL, no '=', over-long key or value, a key given twice). */
public final class TextFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    public TextFormatException(String message) {
        super(message, null, false, false);
    }
}
