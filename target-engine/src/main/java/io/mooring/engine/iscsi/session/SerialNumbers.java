package io.mooring.engine.iscsi.session;

/** RFC 1982 serial number arithmetic on 32-bit sequence numbers (CmdSN, StatSN, DataSN wrap at 2^32). */
public final class SerialNumbers {

    private SerialNumbers() {
    }

    /** {@code a < b} in serial arithmetic. */
    public static boolean lessThan(int a, int b) {
        return a != b && b - a > 0;
    }

    /** {@code low <= x <= high} in serial arithmetic. */
    public static boolean inWindow(int x, int low, int high) {
        return !lessThan(x, low) && !lessThan(high, x);
    }
}
