package io.mooring.engine.scsi.pr;

import io.mooring.engine.scsi.ItNexus;
import java.util.Map;

/**
 * One immutable snapshot of a logical unit's reservation state ({@link Reservations} publishes a new one per change).
 *
 * @param spc2Holder    the nexus holding an SPC-2 reservation, or {@code null}
 * @param registrations registered nexus → reservation key
 * @param holder        the nexus that holds the persistent reservation (for AR types: the one that made it)
 * @param type          the persistent reservation type, or {@code null} when none is held
 * @param generation    PRGENERATION: bumped by every registration change
 * @param persistent    APTPL: the last registration asked for the state to survive power loss
 */
public record ReservationState(ItNexus spc2Holder, Map<ItNexus, Long> registrations, ItNexus holder,
                               ReservationType type, int generation, boolean persistent) {

    static final ReservationState EMPTY = new ReservationState(null, Map.of(), null, null, 0, false);

    public boolean reserved() {
        return type != null;
    }

    /** Whether {@code nexus} counts as a holder: the nexus that reserved, or any registrant for AR types. */
    public boolean holds(ItNexus nexus) {
        return type != null && (type.allRegistrantsHold() ? registrations.containsKey(nexus) : nexus.equals(holder));
    }

    /** The key READ RESERVATION reports: zero for all-registrants types. */
    public long reservationKey() {
        return type == null || type.allRegistrantsHold() ? 0 : registrations.getOrDefault(holder, 0L);
    }
}
