package io.mooring.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.mooring.api.Api;
import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** os-extend as Cinder 21 answers it: schema and refusals with their texts, 3.42's in-use extend, capacity, raw devices, races. */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class VolumeExtendTest {

    private static final long GIB = 1L << 30;

    @Inject
    BackingStore store;

    private Tenant tenant;

    @BeforeEach
    void newTenant() {
        tenant = Tenant.fresh();
    }

    private Response extend(String volume, String version, String body) {
        return tenant.at(version).body(body).post(tenant.url("/volumes/" + volume + "/action"));
    }

    private Response extend(String volume, String version, int newSize) {
        return extend(volume, version, "{\"os-extend\": {\"new_size\": " + newSize + "}}");
    }

    private Map<String, Object> shown(String volume) {
        return tenant.at(Api.LATEST).get(tenant.url("/volumes/" + volume)).then().statusCode(200).extract().path("volume");
    }

    private long fileSize(String volume) throws Exception {
        return Files.size(store.fileFor(UUID.fromString(volume)));
    }

    private static long allocatedBlocks(Path file) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b", file.toString()).redirectErrorStream(true).start();
        String out = new String(stat.getInputStream().readAllBytes()).trim();
        assertThat(stat.waitFor()).as(out).isZero();
        return Long.parseLong(out);
    }

    @Test
    void anAvailableVolumeGrowsItsSparseFileAndStaysAvailable() throws Exception {
        String volume = tenant.createVolume();
        extend(volume, "3.0", "{\"os-extend\": {\"new_size\": \"3\"}}").then().statusCode(202).body(equalTo(""));
        assertThat(shown(volume)).containsEntry("size", 3).containsEntry("status", "available");
        assertThat(fileSize(volume)).isEqualTo(3 * GIB);
        Path file = store.fileFor(UUID.fromString(volume));
        assertThat(allocatedBlocks(file)).as("sparse: nothing allocated").isZero();
        extend(volume, Api.LATEST, 4).then().statusCode(202);
        assertThat(shown(volume)).containsEntry("size", 4);
        assertThat(fileSize(volume)).isEqualTo(4 * GIB);
    }

    @Test
    void theSchemaAndTheSizeAreCheckedWithCindersTexts() {
        String volume = tenant.createVolume();
        String field = "Invalid input for field/attribute ";
        Map<String, String> refusals = new java.util.LinkedHashMap<>();
        refusals.put("{\"os-extend\": {}}", field + "os-extend. Value: {}. 'new_size' is a required property");
        refusals.put("{\"os-extend\": null}", field + "os-extend. Value: None. None is not of type 'object'");
        refusals.put("{\"os-extend\": {\"new_size\": 2, \"force\": true}}",
                field + "os-extend. Value: {'new_size': 2, 'force': True}. Additional properties are not allowed ('force' was unexpected)");
        refusals.put("{\"os-extend\": {\"new_size\": \"two\"}}", field + "new_size. Value: two. 'two' does not match '^[0-9]+$'");
        refusals.put("{\"os-extend\": {\"new_size\": 2.5}}", field + "new_size. Value: 2.5. 2.5 is not of type 'integer', 'string'");
        refusals.put("{\"os-extend\": {\"new_size\": null}}", field + "new_size. Value: None. None is not of type 'integer', 'string'");
        refusals.put("{\"os-extend\": {\"new_size\": 0}}", field + "new_size. Value: 0. 0 is less than the minimum of 1");
        refusals.put("{\"os-extend\": {\"new_size\": 2147483648}}",
                field + "new_size. Value: 2147483648. 2147483648 is greater than the maximum of 2147483647");
        refusals.put("{\"os-extend\": {\"new_size\": 1}}",
                "Invalid input received: New size for extend must be greater than current size. (current: 1, extended: 1).");
        refusals.put("{\"os-extend\": {\"new_size\": \"0\"}}",
                "Invalid input received: New size for extend must be greater than current size. (current: 1, extended: 0).");
        refusals.put("{\"os-extend\": {\"new_size\": 16385}}", "Invalid input received: Volume size 16385 GiB is larger than the maximum of 16384 GiB.");
        refusals.forEach((body, message) -> extend(volume, Api.LATEST, body).then().statusCode(400)
                .body("badRequest.code", equalTo(400)).body("badRequest.message", equalTo(message)));
        assertThat(shown(volume)).containsEntry("size", 1).containsEntry("status", "available");
    }

    @Test
    void anotherProjectsVolumeIsNotFound() {
        String volume = tenant.createVolume();
        Tenant other = Tenant.fresh();
        other.at(Api.LATEST).body("{\"os-extend\": {\"new_size\": 2}}").post(other.url("/volumes/" + volume + "/action"))
                .then().statusCode(404).body("itemNotFound.message", equalTo("Volume " + volume + " could not be found."));
        assertThat(shown(volume)).containsEntry("size", 1);
    }

    @Test
    void aVolumeInAnotherStatusIsRefused() {
        String volume = tenant.createVolume();
        Tenant.admin(tenant.project()).at(Api.LATEST).body("{\"os-reset_status\": {\"status\": \"error\"}}")
                .post(tenant.url("/volumes/" + volume + "/action")).then().statusCode(202);
        extend(volume, "3.42", 2).then().statusCode(400).body("badRequest.message",
                equalTo("Invalid volume: Volume " + volume + " status must be '{'status': 'available'}' to extend, currently error."));
    }

    @Test
    void anInUseVolumeExtendsFrom342AndStaysInUse() throws Exception {
        String volume = tenant.createVolume();
        String attachment = tenant.reserveOk(volume, UUID.randomUUID().toString());
        tenant.connect(attachment, "iqn.2024-01.test:extend-in-use").then().statusCode(200);
        tenant.complete(attachment).then().statusCode(204);
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");

        extend(volume, "3.41", 2).then().statusCode(400).body("badRequest.message",
                equalTo("Invalid volume: Volume " + volume + " status must be '{'status': 'available'}' to extend, currently in-use."));
        extend(volume, "3.42", 2).then().statusCode(202);
        assertThat(shown(volume)).containsEntry("size", 2).containsEntry("status", "in-use");
        assertThat(fileSize(volume)).isEqualTo(2 * GIB);
        tenant.at(Api.LATEST).get(tenant.url("/attachments/" + attachment)).then().statusCode(200)
                .body("attachment.status", equalTo("attached"));
        tenant.deleteAttachment(attachment).then().statusCode(200);
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");
    }

    @Test
    void growthBeyondTheOvercommitRatioIsA413AndChangesNothing() throws Exception {
        String volume = tenant.createVolume();
        extend(volume, Api.LATEST, 16384).then().statusCode(413)
                .body("overLimit.code", equalTo(413))
                .body("overLimit.message", startsWith("Insufficient free space for thin provisioning. The ratio of provisioned capacity"
                        + " over total capacity "))
                .body("overLimit.message", org.hamcrest.Matchers.containsString("(requested 16383G, provisioned "));
        assertThat(shown(volume)).containsEntry("size", 1).containsEntry("status", "available");
        assertThat(fileSize(volume)).isEqualTo(GIB);
    }

    @Test
    void aRawDeviceVolumeGrowsOnlyAsFarAsItsDevice() throws Exception {
        List<Path> devices = ConfigProvider.getConfig().getValues("mooring.backend.raw-devices", Path.class);
        for (Path device : devices) {
            Files.createDirectories(device.getParent());
            try (RandomAccessFile raf = new RandomAccessFile(device.toFile(), "rw")) {
                raf.setLength(GIB);
            }
        }
        String volume = tenant.createVolume("raw");
        try {
            extend(volume, Api.LATEST, 3).then().statusCode(413).body("overLimit.message",
                    equalTo("Insufficient free space for volume creation on host mooring (requested / avail): 2/0"));
            assertThat(shown(volume)).as("rolled back").containsEntry("size", 1).containsEntry("status", "available");

            for (Path device : devices) {
                try (RandomAccessFile raf = new RandomAccessFile(device.toFile(), "rw")) {
                    raf.setLength(3 * GIB);
                }
            }
            extend(volume, Api.LATEST, 4).then().statusCode(413).body("overLimit.message",
                    equalTo("Insufficient free space for volume creation on host mooring (requested / avail): 3/2"));
            extend(volume, Api.LATEST, 3).then().statusCode(202);
            assertThat(shown(volume)).containsEntry("size", 3).containsEntry("status", "available");
        } finally {
            tenant.at(Api.LATEST).delete(tenant.url("/volumes/" + volume)).then().statusCode(202);
        }
    }

    @Test
    void concurrentExtendsOfOneVolumeEndConsistent() throws Exception {
        String volume = tenant.createVolume();
        int requests = 8;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        List<Future<Response>> pending = new ArrayList<>();
        try {
            for (int i = 0; i < requests; i++) {
                int newSize = 2 + i;
                pending.add(pool.submit(() -> {
                    go.await();
                    return extend(volume, Api.LATEST, newSize);
                }));
            }
            go.countDown();
            int largestAccepted = 0;
            for (int i = 0; i < requests; i++) {
                Response answer = pending.get(i).get(120, TimeUnit.SECONDS);
                if (answer.statusCode() == 202) {
                    largestAccepted = Math.max(largestAccepted, 2 + i);
                } else {
                    assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(400);
                    assertThat(answer.jsonPath().getString("badRequest.message")).matches(
                            "Invalid volume: Volume " + volume + " status must be '\\{'status': 'available'\\}' to extend, currently extending\\."
                                    + "|Invalid input received: New size for extend must be greater than current size\\. \\(current: \\d+, extended: \\d+\\)\\.");
                }
            }
            assertThat(largestAccepted).as("at least one extend went through").isPositive();
            Map<String, Object> after = shown(volume);
            assertThat(after).containsEntry("status", "available").containsEntry("size", largestAccepted);
            assertThat(fileSize(volume)).isEqualTo(largestAccepted * GIB);
        } finally {
            pool.shutdownNow();
        }
    }
}
