package io.mooring.space;

import io.mooring.api.CinderFault;
import io.mooring.boot.MooringConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Locale;

/**
 * Capacity admission for file-backed volumes, Cinder's CapacityFilter for thin provisioning answered at once instead
 * of a volume in {@code error} later: the provisioned sizes plus the request may not exceed
 * {@code mooring.space.max-overcommit} times the filesystem's capacity, and the free space above
 * {@code mooring.space.min-free}, times that ratio, must hold the request. Refusals are 413 {@code overLimit}, the status
 * Cinder gives a create it refuses for want of room (its gigabytes quota), with the CapacityFilter's own wording.
 * Create calls it before inserting the row; extend will call it with the growth.
 */
@ApplicationScoped
public class SpaceAdmission {

    private static final double GIB = 1L << 30;

    private final SpaceMonitor monitor;
    private final MooringConfig.Space settings;

    public SpaceAdmission(SpaceMonitor monitor, MooringConfig config) {
        this.monitor = monitor;
        this.settings = config.space();
    }

    /** Fails with a 413 {@link CinderFault} when {@code requestedGib} more GiB of file-backed volumes do not fit. */
    public Uni<Void> admit(long requestedGib) {
        return Panache.withSession(() -> Panache.getSession().chain(session -> session.createSelectionQuery(
                        "select coalesce(sum(v.size), 0L) from Volume v where v.rawDevice = false", Long.class).getSingleResult()))
                .invoke(provisionedGib -> check(monitor.last(), provisionedGib, requestedGib))
                .replaceWithVoid();
    }

    void check(SpaceMonitor.Sample space, long provisionedGib, long requestedGib) {
        double totalGib = space.totalBytes() / GIB;
        double freeGib = (space.usableBytes() - settings.minFree().asLongValue()) / GIB;
        double ratio = settings.maxOvercommit();
        String numbers = String.format(Locale.ROOT, " (requested %dG, provisioned %dG, capacity %.2fG, free %.2fG of which %.2fG"
                + " are kept free by mooring.space.min-free).", requestedGib, provisionedGib, totalGib,
                space.usableBytes() / GIB, settings.minFree().asLongValue() / GIB);
        if (freeGib <= 0) {
            throw new CinderFault(413, String.format(Locale.ROOT,
                    "Insufficient free space for volume creation. Total capacity is %.2f on host mooring", totalGib) + numbers);
        }
        double provisionedRatio = (provisionedGib + requestedGib) / totalGib;
        if (provisionedRatio > ratio) {
            throw new CinderFault(413, String.format(Locale.ROOT,
                    "Insufficient free space for thin provisioning. The ratio of provisioned capacity over total capacity %.2f"
                            + " has exceeded the maximum over subscription ratio %.2f on host mooring", provisionedRatio, ratio)
                    + numbers);
        }
        if (freeGib * ratio < requestedGib) {
            throw new CinderFault(413, String.format(Locale.ROOT,
                    "Insufficient free virtual space (%.2fGB) to accommodate thin provisioned %dGB volume on host mooring",
                    freeGib * ratio, requestedGib) + numbers);
        }
    }
}
