package io.mooring.engine.scsi.pr;

import io.mooring.engine.scsi.ItNexus;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Reservation state of one logical unit: the SPC-2 RESERVE/RELEASE holder and the SPC-3 persistent registrations
 * and reservation. Readers (the conflict check on every command) see an immutable snapshot through one volatile
 * read; changes are serialised on this object and publish a new snapshot. With a {@link ReservationStore}, the
 * persistent part is saved before it is published whenever an initiator asked for APTPL.
 */
public final class Reservations {

    private final BiConsumer<ItNexus, Sense> raiseUnitAttention;
    private final ReservationStore store;
    private volatile ReservationState state;

    /** @param store where APTPL state survives restarts, or {@code null} to keep everything in memory */
    public Reservations(BiConsumer<ItNexus, Sense> raiseUnitAttention, ReservationStore store) {
        this.raiseUnitAttention = raiseUnitAttention;
        this.store = store;
        this.state = store == null ? ReservationState.EMPTY : store.load();
    }

    /** Whether APTPL can be honoured (PTPL_C). */
    public boolean canPersist() {
        return store != null;
    }

    public ReservationState state() {
        return state;
    }

    /** Whether a command with {@code access} from {@code nexus} must end in RESERVATION CONFLICT. */
    public boolean conflicts(ItNexus nexus, Access access) {
        ReservationState s = state;
        if (access == Access.ANY) {
            return false;
        }
        if (s.spc2Holder() != null && !s.spc2Holder().equals(nexus)) {
            return access != Access.LEGACY;
        }
        if (access == Access.LEGACY) {
            return !s.registrations().isEmpty();
        }
        if (s.type() == null || access == Access.STATUS || access == Access.PERSISTENT) {
            return false;
        }
        boolean mayAccess = s.type().registrantsHaveAccess() ? s.registrations().containsKey(nexus)
                : nexus.equals(s.holder());
        return !mayAccess && (access == Access.WRITE || s.type().exclusiveAccess());
    }

    // ---- SPC-2 RESERVE / RELEASE ----

    /** RESERVE(6)/(10): false when another nexus holds the reservation. */
    public synchronized boolean reserve(ItNexus nexus) {
        ReservationState s = state;
        if (s.spc2Holder() != null && !s.spc2Holder().equals(nexus)) {
            return false;
        }
        state = new ReservationState(nexus, s.registrations(), s.holder(), s.type(), s.generation(), s.persistent());
        return true;
    }

    /** RELEASE(6)/(10): releases the reservation if {@code nexus} holds it; otherwise does nothing, as SPC-2 says. */
    public synchronized void release(ItNexus nexus) {
        ReservationState s = state;
        if (nexus.equals(s.spc2Holder())) {
            state = new ReservationState(null, s.registrations(), s.holder(), s.type(), s.generation(), s.persistent());
        }
    }

    /** A reset or the holder's nexus loss ends an SPC-2 reservation; persistent state survives both. */
    public synchronized void clearSpc2(ItNexus onlyIfHeldBy) {
        ReservationState s = state;
        if (s.spc2Holder() != null && (onlyIfHeldBy == null || onlyIfHeldBy.equals(s.spc2Holder()))) {
            state = new ReservationState(null, s.registrations(), s.holder(), s.type(), s.generation(), s.persistent());
        }
    }

    // ---- SPC-3 PERSISTENT RESERVE OUT ----

    /**
     * REGISTER, or REGISTER AND IGNORE EXISTING KEY when {@code ignoreExisting}; {@code persistent} is the APTPL bit.
     * Returns false on a key mismatch (RESERVATION CONFLICT).
     */
    public synchronized boolean register(ItNexus nexus, long key, long newKey, boolean ignoreExisting,
                                         boolean persistent) {
        ReservationState s = state;
        Long current = s.registrations().get(nexus);
        if (!ignoreExisting && (current == null ? key != 0 : current != key)) {
            return false;
        }
        if (current == null && newKey == 0) {
            return true;
        }
        Map<ItNexus, Long> registrations = new HashMap<>(s.registrations());
        ItNexus holder = s.holder();
        ReservationType type = s.type();
        if (newKey == 0) {
            registrations.remove(nexus);
            boolean reservationEnds = type != null
                    && (type.allRegistrantsHold() ? registrations.isEmpty() : nexus.equals(holder));
            if (reservationEnds) {
                if (type.registrantsHaveAccess() && !type.allRegistrantsHold()) {
                    registrations.keySet()
                            .forEach(other -> raiseUnitAttention.accept(other, Sense.RESERVATIONS_RELEASED));
                }
                holder = null;
                type = null;
            } else if (type != null && type.allRegistrantsHold() && nexus.equals(holder)) {
                holder = registrations.keySet().iterator().next();
            }
        } else {
            registrations.put(nexus, newKey);
        }
        publish(new ReservationState(s.spc2Holder(), Map.copyOf(registrations), holder, type, s.generation() + 1,
                persistent));
        return true;
    }

    /** RESERVE: false (RESERVATION CONFLICT) unless registered with {@code key} and the LU is free or already ours. */
    public synchronized boolean reservePersistent(ItNexus nexus, long key, ReservationType type) {
        ReservationState s = state;
        if (!registeredWith(s, nexus, key)) {
            return false;
        }
        if (s.type() != null) {
            return s.holds(nexus) && s.type() == type;
        }
        publish(new ReservationState(s.spc2Holder(), s.registrations(), nexus, type, s.generation(), s.persistent()));
        return true;
    }

    /** RELEASE: false on a key mismatch; throws INVALID RELEASE when the type differs from the reservation's. */
    public synchronized boolean releasePersistent(ItNexus nexus, long key, ReservationType type) {
        ReservationState s = state;
        if (!registeredWith(s, nexus, key)) {
            return false;
        }
        if (!s.holds(nexus)) {
            return true;
        }
        if (s.type() != type) {
            throw new SenseException(Sense.INVALID_RELEASE_OF_PERSISTENT_RESERVATION);
        }
        if (s.type().registrantsHaveAccess()) {
            s.registrations().keySet().stream().filter(other -> !other.equals(nexus))
                    .forEach(other -> raiseUnitAttention.accept(other, Sense.RESERVATIONS_RELEASED));
        }
        publish(new ReservationState(s.spc2Holder(), s.registrations(), null, null, s.generation(), s.persistent()));
        return true;
    }

    /** CLEAR: drops every registration and the reservation; other registrants learn RESERVATIONS PREEMPTED. */
    public synchronized boolean clear(ItNexus nexus, long key) {
        ReservationState s = state;
        if (!registeredWith(s, nexus, key)) {
            return false;
        }
        s.registrations().keySet().stream().filter(other -> !other.equals(nexus))
                .forEach(other -> raiseUnitAttention.accept(other, Sense.RESERVATIONS_PREEMPTED));
        publish(new ReservationState(s.spc2Holder(), Map.of(), null, null, s.generation() + 1, false));
        return true;
    }

    /**
     * PREEMPT and PREEMPT AND ABORT (SPC-4 5.13.11.2.4): removes the registrations with {@code preemptKey} and, when
     * they hold the reservation (or {@code preemptKey} is zero under an all-registrants reservation), takes it over
     * with {@code type}. Returns false for RESERVATION CONFLICT.
     */
    public synchronized boolean preempt(ItNexus nexus, long key, long preemptKey, ReservationType type) {
        ReservationState s = state;
        if (!registeredWith(s, nexus, key)) {
            return false;
        }
        boolean allRegistrants = s.type() != null && s.type().allRegistrantsHold();
        boolean takesReservation = s.type() != null
                && (allRegistrants ? preemptKey == 0 : preemptKey == s.registrations().get(s.holder()));
        if (preemptKey == 0 && !allRegistrants) {
            // SERVICE ACTION RESERVATION KEY of the PERSISTENT RESERVE OUT parameter list
            throw new SenseException(Sense.invalidFieldInParameterList(8, Sense.WHOLE_BYTE));
        }
        Map<ItNexus, Long> registrations = new HashMap<>(s.registrations());
        boolean removedAny = registrations.entrySet().removeIf(entry -> !entry.getKey().equals(nexus)
                && (preemptKey == 0 || entry.getValue() == preemptKey));
        if (!removedAny && !takesReservation) {
            return false;
        }
        for (ItNexus other : s.registrations().keySet()) {
            if (!registrations.containsKey(other)) {
                raiseUnitAttention.accept(other, Sense.REGISTRATIONS_PREEMPTED);
            }
        }
        ItNexus holder = s.holder();
        ReservationType newType = s.type();
        if (takesReservation) {
            if (s.type() != type) {
                registrations.keySet().stream().filter(other -> !other.equals(nexus))
                        .forEach(other -> raiseUnitAttention.accept(other, Sense.RESERVATIONS_RELEASED));
            }
            holder = nexus;
            newType = type;
        }
        publish(new ReservationState(s.spc2Holder(), Map.copyOf(registrations), holder, newType, s.generation() + 1,
                s.persistent()));
        return true;
    }

    /** Saves (or, without APTPL, forgets) the persistent part first, so a failed save changes nothing. */
    private void publish(ReservationState next) {
        if (store != null) {
            store.save(next);
        }
        state = next;
    }

    private static boolean registeredWith(ReservationState s, ItNexus nexus, long key) {
        Long current = s.registrations().get(nexus);
        return current != null && current == key;
    }
}
