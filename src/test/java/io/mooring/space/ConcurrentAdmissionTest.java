package io.mooring.space;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.api.Api;
import io.mooring.api.Api.Tenant;
import io.mooring.boot.MooringConfig;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Capacity admission holds under concurrent creates: the GiB the limit leaves room for are admitted once, not per request. */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class ConcurrentAdmissionTest {

    private static final double GIB = 1L << 30;
    private static final int CREATES = 12;

    @Inject
    SpaceMonitor monitor;

    @Inject
    MooringConfig config;

    @Test
    void parallelCreatesThatTogetherOvercommitAreAdmittedOnlyAsFarAsTheLimitAllows() throws Exception {
        Tenant admin = Tenant.admin(Api.newProject());
        List<Integer> sizes = admin.at(Api.LATEST).get(admin.url("/volumes/detail?all_tenants=1"))
                .then().statusCode(200).extract().path("volumes.size");
        long provisioned = sizes.stream().mapToLong(Integer::longValue).sum();
        SpaceMonitor.Sample space = monitor.last();
        double ratio = config.space().maxOvercommit();
        // Each request must fit the free space times the ratio (checked per request); what the requests share is the
        // ratio of all provisioned GiB over the capacity. Fillers leave that shared room at 2.5 requests' worth.
        int size = (int) ((space.usableBytes() - config.space().minFree().asLongValue()) / GIB * ratio * 0.9);
        assertThat(size).as("room on the test machine's disk").isPositive();
        long fill = (long) (space.totalBytes() / GIB * ratio) - provisioned - (long) (2.5 * size);
        List<String> created = new ArrayList<>();
        for (; fill > 0; fill -= size) {
            created.add(admin.at(Api.LATEST).body(Map.of("volume", Map.of("size", Math.min(size, fill)))).post(admin.url("/volumes"))
                    .then().statusCode(202).extract().path("volume.id"));
        }

        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(CREATES);
        List<Response> answers = new ArrayList<>();
        try {
            List<Future<Response>> pending = new ArrayList<>();
            for (int i = 0; i < CREATES; i++) {
                pending.add(pool.submit(() -> {
                    go.await();
                    return admin.at(Api.LATEST).body(Map.of("volume", Map.of("size", size))).post(admin.url("/volumes"));
                }));
            }
            go.countDown();
            for (Future<Response> answer : pending) {
                answers.add(answer.get());
            }
        } finally {
            pool.shutdownNow();
        }
        answers.stream().filter(a -> a.statusCode() == 202).forEach(a -> created.add(a.jsonPath().getString("volume.id")));
        try {
            assertThat(answers).extracting(Response::statusCode).as("%d creates of %d GiB with room for 2.5", CREATES, size)
                    .containsOnly(202, 413).filteredOn(status -> status == 202).hasSize(2);
            answers.stream().filter(a -> a.statusCode() == 413).forEach(a -> assertThat(a.jsonPath().getString("overLimit.message"))
                    .startsWith("Insufficient free space for thin provisioning"));
        } finally {
            created.forEach(id -> admin.at(Api.LATEST).delete(admin.url("/volumes/" + id)).then().statusCode(202));
        }
    }
}
