package io.mooring.target.scsi.lun;

import io.mooring.target.scsi.ItNexus;
import io.mooring.target.scsi.sense.Sense;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unit attention conditions pending per I_T nexus on one logical unit (SAM-5 5.14). A nexus seen for the first
 * time starts with POWER ON, RESET OR BUS DEVICE RESET OCCURRED; each condition is reported once, oldest first.
 */
public final class UnitAttentions {

    /** Beyond this many pending conditions the oldest are dropped; the initiator learns enough from the rest. */
    private static final int MAX_PENDING = 8;

    private final ConcurrentHashMap<ItNexus, ArrayDeque<Sense>> pending = new ConcurrentHashMap<>();

    /** Takes the oldest condition pending for {@code nexus}, or {@code null}. */
    public Sense poll(ItNexus nexus) {
        ArrayDeque<Sense> queue = pending.computeIfAbsent(nexus, UnitAttentions::powerOn);
        synchronized (queue) {
            return queue.pollFirst();
        }
    }

    /** Looks at the oldest condition without clearing it (INQUIRY and REPORT LUNS leave conditions pending). */
    public boolean hasPending(ItNexus nexus) {
        ArrayDeque<Sense> queue = pending.get(nexus);
        if (queue == null) {
            return true;
        }
        synchronized (queue) {
            return !queue.isEmpty();
        }
    }

    public void raise(ItNexus nexus, Sense condition) {
        ArrayDeque<Sense> queue = pending.computeIfAbsent(nexus, UnitAttentions::powerOn);
        synchronized (queue) {
            if (queue.contains(condition)) {
                return;
            }
            if (queue.size() == MAX_PENDING) {
                queue.pollFirst();
            }
            queue.addLast(condition);
        }
    }

    /** Raises {@code condition} for every known nexus except {@code except} (may be {@code null}). */
    public void raiseForOthers(ItNexus except, Sense condition) {
        for (ItNexus nexus : pending.keySet()) {
            if (!nexus.equals(except)) {
                raise(nexus, condition);
            }
        }
    }

    /** The nexus logged in (again): it starts over with POWER ON. */
    public void reset(ItNexus nexus) {
        pending.put(nexus, powerOn(nexus));
    }

    public void forget(ItNexus nexus) {
        pending.remove(nexus);
    }

    private static ArrayDeque<Sense> powerOn(ItNexus nexus) {
        ArrayDeque<Sense> queue = new ArrayDeque<>(2);
        queue.add(Sense.POWER_ON_RESET);
        return queue;
    }
}
