package io.mooring.space;

import io.mooring.boot.MooringConfig;
import io.mooring.domain.DomainError.InsufficientCapacity;
import io.mooring.domain.DomainError.InsufficientCapacity.Shortfall;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Capacity admission for file-backed volumes, Cinder's CapacityFilter for thin provisioning answered at once instead
 * of a volume in {@code error} later: the provisioned sizes plus the request may not exceed
 * {@code mooring.space.max-overcommit} times the filesystem's capacity, and the free space above
 * {@code mooring.space.min-free}, times that ratio, must hold the request. A refusal is an {@link InsufficientCapacity}, which the
 * API answers as 413 {@code overLimit}, the status Cinder gives a create it refuses for want of room (its gigabytes
 * quota), with the CapacityFilter's own wording.
 * Create calls it in the transaction that inserts the row; extend will call it with the growth.
 */
@ApplicationScoped
public class SpaceAdmission {

    private static final double GIB = 1L << 30;
    /** The advisory lock that admissions take in turn ("moor"). */
    private static final long ADMISSION_LOCK = 0x6d6f6f72L;

    private final SpaceMonitor monitor;
    private final MooringConfig.Space settings;

    public SpaceAdmission(SpaceMonitor monitor, MooringConfig config) {
        this.monitor = monitor;
        this.settings = config.space();
    }

    /**
     * Fails with {@link InsufficientCapacity} when {@code requestedGib} more GiB of file-backed volumes do not fit. Call
     * it inside the transaction that adds the GiB: its transaction-scoped advisory lock makes concurrent admissions
     * wait for each other's commit, so each one counts the sizes the others admitted.
     */
    public Uni<Void> admit(long requestedGib) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                                "select count(*) from (select pg_advisory_xact_lock(" + ADMISSION_LOCK + ")) locked", Long.class)
                        .getSingleResult()
                        .chain(() -> session.createSelectionQuery(
                                "select coalesce(sum(v.size), 0L) from Volume v where v.rawDevice = false", Long.class).getSingleResult()))
                .invoke(provisionedGib -> check(monitor.last(), provisionedGib, requestedGib))
                .replaceWithVoid();
    }

    void check(SpaceMonitor.Sample space, long provisionedGib, long requestedGib) {
        double totalGib = space.totalBytes() / GIB;
        double freeGib = (space.usableBytes() - settings.minFree().asLongValue()) / GIB;
        double ratio = settings.maxOvercommit();
        double provisionedRatio = (provisionedGib + requestedGib) / totalGib;
        Shortfall shortfall = freeGib <= 0 ? Shortfall.NO_FREE_SPACE
                : provisionedRatio > ratio ? Shortfall.OVERSUBSCRIBED
                : freeGib * ratio < requestedGib ? Shortfall.NO_VIRTUAL_SPACE
                : null;
        if (shortfall != null) {
            throw new InsufficientCapacity(shortfall, requestedGib, provisionedGib, totalGib, space.usableBytes() / GIB,
                    settings.minFree().asLongValue() / GIB, provisionedRatio, ratio, freeGib * ratio);
        }
    }
}
