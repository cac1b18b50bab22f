package io.mooring.engine.scsi.lun;

import io.mooring.engine.scsi.ItNexus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Outcomes of finished EXTENDED COPY commands that asked for their status to be kept (LIST ID USAGE 00b/01b), by
 * nexus and list identifier, for RECEIVE COPY RESULTS. Bounded: the oldest entries are forgotten.
 */
public final class CopyResults {

    private static final int KEPT = 32;

    /** COPY STATUS data: segments processed and bytes transferred, for a copy that completed without errors. */
    public record Outcome(int segmentsProcessed, long bytesTransferred) {
    }

    private record Key(ItNexus nexus, int listId) {
    }

    private final Map<Key, Outcome> outcomes = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Outcome> eldest) {
            return size() > KEPT;
        }
    };

    public synchronized void put(ItNexus nexus, int listId, Outcome outcome) {
        outcomes.put(new Key(nexus, listId), outcome);
    }

    /** The outcome of {@code listId} from {@code nexus}, or {@code null} when no such copy is known. */
    public synchronized Outcome get(ItNexus nexus, int listId) {
        return outcomes.get(new Key(nexus, listId));
    }
}
