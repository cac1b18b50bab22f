package io.mooring.volume;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The volumes a request of this process is working on, between its steps, and the attachments being deleted.
 * Reconciliation leaves them alone: a request that is still running finishes or compensates its own operation; only one
 * that died (or whose later steps failed) leaves work behind. A request marks its volume (or attachment) before its
 * first write, or under the volume's row lock.
 */
@ApplicationScoped
public class BusyVolumes {

    private final Map<UUID, Integer> working = new ConcurrentHashMap<>();

    /** Runs {@code work}; the volumes it marks stay busy until it has completed, failed or been cancelled. */
    public <T> Uni<T> working(Function<Marker, Uni<T>> work) {
        Marker marker = new Marker();
        return Uni.createFrom().deferred(() -> work.apply(marker)).eventually(marker::release);
    }

    public boolean busy(UUID id) {
        return working.containsKey(id);
    }

    /** What one request has marked busy. */
    public final class Marker {

        private final List<UUID> marked = new ArrayList<>();

        public synchronized void mark(UUID id) {
            if (!marked.contains(id)) {
                marked.add(id);
                working.merge(id, 1, Integer::sum);
            }
        }

        private synchronized void release() {
            marked.forEach(id -> working.computeIfPresent(id, (key, count) -> count == 1 ? null : count - 1));
            marked.clear();
        }
    }
}
