package io.mooring.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mooring.api.CinderFault;
import io.mooring.api.DomainFaults;
import io.mooring.boot.MooringConfig;
import io.mooring.domain.DomainError.InsufficientCapacity;
import io.quarkus.runtime.configuration.MemorySize;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Cinder's CapacityFilter arithmetic for thin provisioning, on a 10 GiB filesystem with 1 GiB kept free, as the API answers it. */
class SpaceAdmissionTest {

    private static final long GIB = 1L << 30;

    private final SpaceAdmission admission = new SpaceAdmission(null, config(20, GIB));

    @Test
    void admitsUpToTheOvercommitRatio() {
        SpaceMonitor.Sample space = new SpaceMonitor.Sample(10 * GIB, 9 * GIB);
        assertThatCode(() -> admission.check(space, 150, 50)).doesNotThrowAnyException();
        CinderFault refused = DomainFaults.of(catchThrowableOfType(() -> admission.check(space, 150, 51), InsufficientCapacity.class));
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.getMessage()).startsWith("Insufficient free space for thin provisioning. The ratio of provisioned"
                + " capacity over total capacity 20.10 has exceeded the maximum over subscription ratio 20.00 on host mooring")
                .contains("requested 51G, provisioned 150G, capacity 10.00G");
    }

    @Test
    void freeSpaceAboveMinFreeTimesTheRatioMustHoldTheRequest() {
        SpaceMonitor.Sample space = new SpaceMonitor.Sample(10 * GIB, 2 * GIB);
        assertThatCode(() -> admission.check(space, 0, 20)).doesNotThrowAnyException();
        CinderFault refused = DomainFaults.of(catchThrowableOfType(() -> admission.check(space, 0, 21), InsufficientCapacity.class));
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.getMessage()).startsWith("Insufficient free virtual space (20.00GB) to accommodate thin provisioned 21GB volume");
    }

    @Test
    void nothingIsAdmittedAtOrUnderMinFree() {
        CinderFault refused = DomainFaults.of(
                catchThrowableOfType(() -> admission.check(new SpaceMonitor.Sample(10 * GIB, GIB), 0, 1), InsufficientCapacity.class));
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.getMessage()).startsWith("Insufficient free space for volume creation. Total capacity is 10.00 on host mooring");
    }

    private static MooringConfig config(double maxOvercommit, long minFree) {
        MooringConfig.Space space = new MooringConfig.Space() {
            @Override
            public double maxOvercommit() {
                return maxOvercommit;
            }

            @Override
            public MemorySize minFree() {
                return new MemorySize(BigInteger.valueOf(minFree));
            }

            @Override
            public MemorySize postgresReserve() {
                return new MemorySize(BigInteger.ZERO);
            }

            @Override
            public MemorySize emergencyFree() {
                return new MemorySize(BigInteger.ZERO);
            }

            @Override
            public Duration checkInterval() {
                return Duration.ofSeconds(1);
            }
        };
        return (MooringConfig) java.lang.reflect.Proxy.newProxyInstance(MooringConfig.class.getClassLoader(),
                new Class<?>[] {MooringConfig.class}, (proxy, method, args) -> method.getName().equals("space") ? space : null);
    }
}
