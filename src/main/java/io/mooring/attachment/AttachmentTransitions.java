package io.mooring.attachment;

import jakarta.persistence.PostLoad;
import jakarta.persistence.PostPersist;
import jakarta.persistence.PostUpdate;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts attachment status changes as they are written (JPA callbacks of {@link VolumeAttachment}): a new row
 * counts from {@code none}. A change whose transaction then rolls back is counted too; bulk updates (a failed export
 * marking its reservation {@code error_attaching}) are not seen; {@link AttachmentFastPath} counts its own. Only Cinder's statuses are keys, so the counts
 * stay a small fixed set.
 */
public class AttachmentTransitions {

    public static final String NONE = "none";

    private static final Map<Transition, LongAdder> COUNTS = new ConcurrentHashMap<>();

    /** One change of status. */
    public record Transition(String from, String to) implements Comparable<Transition> {
        @Override
        public int compareTo(Transition other) {
            int byFrom = from.compareTo(other.from);
            return byFrom != 0 ? byFrom : to.compareTo(other.to);
        }
    }

    /** Every transition seen since start, in a stable order. */
    public static Map<Transition, Long> counts() {
        Map<Transition, Long> out = new TreeMap<>();
        COUNTS.forEach((transition, count) -> out.put(transition, count.sum()));
        return out;
    }

    @PostLoad
    void loaded(VolumeAttachment attachment) {
        attachment.statusAsLoaded = attachment.attachStatus;
    }

    @PostPersist
    void created(VolumeAttachment attachment) {
        count(NONE, attachment.attachStatus);
        attachment.statusAsLoaded = attachment.attachStatus;
    }

    @PostUpdate
    void updated(VolumeAttachment attachment) {
        if (!Objects.equals(attachment.statusAsLoaded, attachment.attachStatus)) {
            count(attachment.statusAsLoaded == null ? NONE : attachment.statusAsLoaded, attachment.attachStatus);
            attachment.statusAsLoaded = attachment.attachStatus;
        }
    }

    /** A change written without the entity (the fast path's SQL), counted once its transaction committed. */
    static void count(String from, String to) {
        if (known(from) && known(to)) {
            COUNTS.computeIfAbsent(new Transition(from, to), t -> new LongAdder()).increment();
        }
    }

    private static boolean known(String status) {
        return switch (status == null ? "" : status) {
            case NONE, AttachStatus.RESERVED, AttachStatus.ATTACHING, AttachStatus.ATTACHED, AttachStatus.DETACHING,
                 AttachStatus.DETACHED, AttachStatus.ERROR_ATTACHING -> true;
            default -> false;
        };
    }
}
