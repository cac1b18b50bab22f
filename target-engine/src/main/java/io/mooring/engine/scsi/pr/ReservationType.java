package io.mooring.engine.scsi.pr;

/** SPC-4 persistent reservation types, with their TYPE codes. */
public enum ReservationType {
    WRITE_EXCLUSIVE(0x1, false, false, false),
    EXCLUSIVE_ACCESS(0x3, true, false, false),
    WRITE_EXCLUSIVE_REGISTRANTS_ONLY(0x5, false, true, false),
    EXCLUSIVE_ACCESS_REGISTRANTS_ONLY(0x6, true, true, false),
    WRITE_EXCLUSIVE_ALL_REGISTRANTS(0x7, false, true, true),
    EXCLUSIVE_ACCESS_ALL_REGISTRANTS(0x8, true, true, true);

    private final int code;
    private final boolean exclusiveAccess;
    private final boolean registrantsHaveAccess;
    private final boolean allRegistrantsHold;

    ReservationType(int code, boolean exclusiveAccess, boolean registrantsHaveAccess, boolean allRegistrantsHold) {
        this.code = code;
        this.exclusiveAccess = exclusiveAccess;
        this.registrantsHaveAccess = registrantsHaveAccess;
        this.allRegistrantsHold = allRegistrantsHold;
    }

    public int code() {
        return code;
    }

    /** Reads from non-holders conflict too, not only writes. */
    public boolean exclusiveAccess() {
        return exclusiveAccess;
    }

    /** Every registered nexus may access the medium as if it held the reservation (RO and AR types). */
    public boolean registrantsHaveAccess() {
        return registrantsHaveAccess;
    }

    /** Every registrant is a holder; the reservation lasts while any registration does (AR types). */
    public boolean allRegistrantsHold() {
        return allRegistrantsHold;
    }

    /** The type for a TYPE code, or {@code null} when the code names no supported type. */
    public static ReservationType ofCode(int code) {
        for (ReservationType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        return null;
    }
}
