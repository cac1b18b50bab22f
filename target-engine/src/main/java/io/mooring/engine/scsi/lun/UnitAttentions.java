package io.mooring.engine.scsi.lun;

import io.mooring.engine.scsi.ItNexus;
import io.mooring.engine.scsi.sense.Sense;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unit attention conditions pending per I_T nexus on one logical unit (SAM-5 5.14). A nexus seen for the first
 * time starts with POWER ON, RESET OR BUS DEVICE RESET OCCURRED; each condition is reported once, oldest first, and
 * only to a command received after it arose (as SAM establishes it at the event: a write whose Data-Out was still
 * arriving when the capacity changed completes, the nexus's next command reports it).
 * The per-command check is one map lookup and one volatile read; the queue lock is taken only when something is
 * pending.
 */
public final class UnitAttentions {

    /** Beyond this many pending conditions the oldest are dropped; the initiator learns enough from the rest. */
    private static final int MAX_PENDING = 8;

    private final ConcurrentHashMap<ItNexus, Pending> pending = new ConcurrentHashMap<>();

    /**
     * Takes the oldest condition pending for {@code nexus} that arose before {@code receivedNanos} (when the command
     * asking was received, {@link System#nanoTime()}), or {@code null}.
     */
    public Sense poll(ItNexus nexus, long receivedNanos) {
        return pending.computeIfAbsent(nexus, UnitAttentions::powerOn).poll(receivedNanos);
    }

    public void raise(ItNexus nexus, Sense condition) {
        pending.computeIfAbsent(nexus, UnitAttentions::powerOn).add(condition);
    }

    /** Raises {@code condition} for every nexus that has used this LU except {@code except}. */
    public void raiseForOthers(ItNexus except, Sense condition) {
        pending.forEach((nexus, queue) -> {
            if (!nexus.equals(except)) {
                queue.add(condition);
            }
        });
    }

    /** Raises {@code condition} for every nexus that has used this LU. */
    public void raiseForAll(Sense condition) {
        pending.values().forEach(queue -> queue.add(condition));
    }

    /** The nexus logged in (again): it starts over with POWER ON. */
    public void reset(ItNexus nexus) {
        pending.put(nexus, powerOn(nexus));
    }

    public void forget(ItNexus nexus) {
        pending.remove(nexus);
    }

    /** POWER ON counts as older than any command: the nexus's first command on this LU reports it. */
    private static Pending powerOn(ItNexus nexus) {
        Pending queue = new Pending();
        queue.add(Sense.POWER_ON_RESET, Long.MIN_VALUE);
        return queue;
    }

    /** A condition and when it arose ({@link System#nanoTime()}). */
    private record Raised(Sense sense, long nanos) {
    }

    /** One nexus's conditions; {@code size} lets the common empty case skip the lock. */
    private static final class Pending {
        private final ArrayDeque<Raised> conditions = new ArrayDeque<>(2);
        private volatile int size;

        Sense poll(long receivedNanos) {
            if (size == 0) {
                return null;
            }
            synchronized (this) {
                Raised head = conditions.peekFirst();
                if (head == null || head.nanos() != Long.MIN_VALUE && head.nanos() - receivedNanos > 0) {
                    return null;
                }
                conditions.pollFirst();
                size = conditions.size();
                return head.sense();
            }
        }

        void add(Sense condition) {
            add(condition, System.nanoTime());
        }

        synchronized void add(Sense condition, long nanos) {
            for (Raised raised : conditions) {
                if (raised.sense().equals(condition)) {
                    return;
                }
            }
            if (conditions.size() == MAX_PENDING) {
                conditions.pollFirst();
            }
            conditions.addLast(new Raised(condition, nanos));
            size = conditions.size();
        }
    }
}
