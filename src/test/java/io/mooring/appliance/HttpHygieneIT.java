package io.mooring.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mooring.api.RawHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged appliance under hostile HTTP clients: many oversized chunked uploads at once cost it no memory beyond
 * the body limit, and silent, stalled and idle connections are closed by the header and idle timeouts (set short here
 * through the environment, as an operator would).
 */
class HttpHygieneIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(8);
    private static final int UPLOADS = 40;
    private static final int UPLOAD_BYTES = 9 * 1024 * 1024;
    private static final long RSS_BUDGET_KIB = 50 * 1024;

    private static Appliance appliance;
    private static int port;
    private static String token;

    @BeforeAll
    static void start() throws Exception {
        appliance = Appliance.fresh()
                .withEnvironment("MOORING_HTTP_HEADER_TIMEOUT", HEADER_TIMEOUT.toSeconds() + "s")
                .withEnvironment("MOORING_HTTP_IDLE_TIMEOUT", IDLE_TIMEOUT.toSeconds() + "s")
                .start();
        port = Integer.parseInt(appliance.baseUrl().substring(appliance.baseUrl().lastIndexOf(':') + 1));
        token = appliance.adminToken();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (appliance != null) {
            appliance.close();
        }
    }

    private static String createVolumeHead() {
        return "POST /v3/" + ApplianceIT.PROJECT + "/volumes HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: " + token
                + "\r\nOpenStack-API-Version: volume 3.70\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    }

    /** One client sending a 9 MB chunked body while reading the answer: the answer, and how much it got to send. */
    private record Upload(RawHttp.Response answer, long bytesSent) {
    }

    private static Upload upload(ExecutorService writers) throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send(createVolumeHead());
            AtomicLong sent = new AtomicLong();
            Future<?> writer = writers.submit(() -> {
                byte[] piece = new byte[64 * 1024];
                Arrays.fill(piece, (byte) ' ');
                try {
                    while (sent.get() < UPLOAD_BYTES) {
                        http.chunk(piece);
                        sent.addAndGet(piece.length);
                    }
                    http.lastChunk();
                } catch (IOException closedByServer) {
                    // the appliance answered and closed the connection
                }
                return null;
            });
            RawHttp.Response answer = http.read();
            assertThat(http.closedWithin(Duration.ofSeconds(60))).as("closed after the 413").isTrue();
            writer.get(120, TimeUnit.SECONDS);
            return new Upload(answer, sent.get());
        }
    }

    private static long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + appliance.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for the appliance");
    }

    @Test
    void fortyConcurrentNineMegabyteChunkedBodiesEachGetTheRefusalAndCostNoMemory() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(UPLOADS);
        ExecutorService writers = Executors.newFixedThreadPool(UPLOADS);
        try {
            for (int i = 0; i < 3; i++) { // the refusal's code paths warm, so that what follows measures the bodies
                assertThat(upload(writers).answer().status()).isEqualTo(413);
            }
            long before = rssKib();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong peak = new AtomicLong(before);
            CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
                while (running.get()) {
                    try {
                        peak.accumulateAndGet(rssKib(), Math::max);
                        Thread.sleep(20);
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            List<Future<Upload>> uploads = new ArrayList<>();
            for (int i = 0; i < UPLOADS; i++) {
                uploads.add(clients.submit(() -> upload(writers)));
            }
            long sentAtMost = 0;
            for (Future<Upload> upload : uploads) {
                Upload done = upload.get(300, TimeUnit.SECONDS);
                assertThat(done.answer().status()).as(done.answer().body()).isEqualTo(413);
                assertThat(done.answer().header("connection")).isEqualTo("close");
                JsonNode fault = JSON.readTree(done.answer().body()).path("overLimit");
                assertThat(fault.path("code").asInt()).isEqualTo(413);
                assertThat(fault.path("message").asText()).isEqualTo("Request is too large. Larger than max_request_body_size (114688).");
                sentAtMost = Math.max(sentAtMost, done.bytesSent());
            }
            running.set(false);
            sampler.get(30, TimeUnit.SECONDS);
            long after = rssKib();
            System.out.printf("HttpHygieneIT: %d concurrent %d MiB chunked uploads: RSS before %d KiB, peak %d KiB (+%d KiB), after %d KiB;"
                    + " the most one client got to send before the 413 closed it: %d KiB%n",
                    UPLOADS, UPLOAD_BYTES >> 20, before, peak.get(), peak.get() - before, after, sentAtMost >> 10);
            assertThat(peak.get() - before).as("RSS growth in KiB while %d oversized bodies arrived", UPLOADS).isLessThan(RSS_BUDGET_KIB);
            assertThat(sentAtMost).as("the appliance stopped reading at the limit").isLessThan(UPLOAD_BYTES);
        } finally {
            clients.shutdownNow();
            writers.shutdownNow();
        }
    }

    @Test
    void aSilentConnectionIsClosedAfterTheHeaderTimeout() throws IOException {
        try (RawHttp http = RawHttp.connect(port)) {
            assertClosedAfter(http, HEADER_TIMEOUT, "a silent connection");
        }
    }

    @Test
    void aConnectionWithHalfItsHeadersIsClosedAfterTheHeaderTimeout() throws IOException {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("GET /q/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            assertClosedAfter(http, HEADER_TIMEOUT, "a connection with half its headers");
        }
    }

    /** Sends one more header byte every half second (never idle, never complete); how long until the appliance closed. */
    private static long trickleUntilClosed(RawHttp http) throws Exception {
        long start = System.nanoTime();
        CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < 60; i++) {
                    http.send("X");
                    Thread.sleep(500);
                }
            } catch (IOException closed) {
                // closed by the appliance
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(http.closedWithin(Duration.ofSeconds(60))).isTrue();
        long elapsed = System.nanoTime() - start;
        assertThat(elapsed).as("closed while it still trickled (30 s)").isLessThan(Duration.ofSeconds(30).toNanos());
        trickle.get(60, TimeUnit.SECONDS);
        return elapsed;
    }

    @Test
    void aNewConnectionTricklingItsFirstHeadersIsClosedAtTheHeaderDeadline() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("GET /q/health/live HTTP/1.1\r\n");
            System.out.printf("HttpHygieneIT: a new connection trickling its first headers was closed after %d ms%n", trickleUntilClosed(http) / 1_000_000);
        }
    }

    @Test
    void aKeptAliveConnectionTricklingItsNextHeadersIsClosedAtTheHeaderDeadline() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            assertThat(http.send("GET /q/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status()).isEqualTo(200);
            http.send("GET /q/health/live HTTP/1.1\r\n");
            System.out.printf("HttpHygieneIT: a kept-alive connection trickling its next headers was closed after %d ms%n", trickleUntilClosed(http) / 1_000_000);
        }
    }

    @Test
    void aRequestWhoseBodyStallsIsClosedAfterTheIdleTimeout() throws IOException {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send(createVolumeHead().replace("Transfer-Encoding: chunked", "Content-Length: 100")).send("{\"volume\": ");
            assertClosedAfter(http, IDLE_TIMEOUT, "a request whose body stalled");
        }
    }

    @Test
    void aKeptAliveIdleConnectionIsClosedAfterTheIdleTimeoutNotTheHeaderTimeout() throws IOException {
        try (RawHttp http = RawHttp.connect(port)) {
            RawHttp.Response first = http.send("GET /q/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
            assertThat(first.status()).isEqualTo(200);
            Duration wellPastTheHeaderTimeout = HEADER_TIMEOUT.plusSeconds(3);
            assertThat(http.closedWithin(wellPastTheHeaderTimeout)).as("closed by the header timeout while idle").isFalse();
            assertThat(http.send("GET /q/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status()).isEqualTo(200);
            assertClosedAfter(http, IDLE_TIMEOUT, "a kept-alive idle connection");
        }
    }

    /** {@code http} is closed by the appliance, not before {@code timeout} (100 ms of slack); prints how long it took. */
    private static void assertClosedAfter(RawHttp http, Duration timeout, String what) throws IOException {
        long start = System.nanoTime();
        assertThat(http.closedWithin(Duration.ofSeconds(60))).as(what + " closed").isTrue();
        long elapsed = System.nanoTime() - start;
        System.out.printf("HttpHygieneIT: %s was closed after %d ms%n", what, elapsed / 1_000_000);
        assertThat(elapsed).isGreaterThanOrEqualTo(timeout.toNanos() - Duration.ofMillis(100).toNanos());
    }
}
