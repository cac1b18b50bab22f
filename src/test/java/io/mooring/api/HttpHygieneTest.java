package io.mooring.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP hygiene as Cinder's WSGI stack has it (issue 11 item 5), over raw connections: Date on every answer, NUL in the
 * URL → 400, control characters never a 500, and the 112 KiB body limit enforced as the body arrives.
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class HttpHygieneTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LIMIT = 114_688;
    private static final String TOO_LARGE = "Request is too large. Larger than max_request_body_size (114688).";

    private String project;
    private String token;

    @BeforeEach
    void admin() {
        project = Api.newProject();
        token = Api.adminToken();
    }

    private String head(String method, String path, String... extra) {
        StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: " + token
                + "\r\nOpenStack-API-Version: volume 3.70\r\nContent-Type: application/json\r\n");
        for (String header : extra) {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    private static RawHttp connect() throws IOException {
        return RawHttp.connect(RestAssured.port);
    }

    private static JsonNode fault(RawHttp.Response response, String name, int code) throws IOException {
        assertEquals(code, response.status(), response.body());
        assertTrue(response.header("content-type").startsWith("application/json"), response.header("content-type"));
        JsonNode fault = JSON.readTree(response.body()).path(name);
        assertEquals(code, fault.path("code").asInt(), response.body());
        return fault;
    }

    /** A volume create whose JSON, padded with spaces, is exactly {@code size} bytes. */
    private static byte[] createBody(int size) {
        String json = "{\"volume\": {\"size\": 1, \"name\": \"limit\"}}";
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) ' ');
        byte[] text = json.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, body, 0, text.length);
        return body;
    }

    @Test
    void everyAnswerCarriesADate() throws IOException {
        String[][] requests = {
            {"GET", "/"}, {"GET", "/v3/" + project + "/volumes"}, {"GET", "/v3/" + project + "/nothing-here"},
            {"GET", "/q/health/live"}, {"GET", "/v3/" + project + "/types/%00"},
        };
        try (RawHttp http = connect()) {
            for (String[] request : requests) {
                RawHttp.Response response = http.send(head(request[0], request[1])).read();
                String date = response.header("date");
                assertNotNull(date, request[1] + " answered " + response.status() + " without a Date");
                ZonedDateTime when = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME);
                assertTrue(Math.abs(ChronoUnit.SECONDS.between(when, ZonedDateTime.now())) < 300, date);
                assertTrue(date.matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"), date); // IMF-fixdate
            }
        }
        try (RawHttp http = connect()) {
            RawHttp.Response unauthenticated = http.send("GET /v3/" + project + "/volumes HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(401, unauthenticated.status());
            assertNotNull(unauthenticated.header("date"));
        }
    }

    @Test
    void aNulAnywhereInTheUrlIsBadRequest() throws IOException {
        String inPath = "Invalid input received: The URL path may not contain NUL characters.";
        String inQuery = "Invalid input received: Query parameters may not contain NUL characters.";
        String[][] cases = {
            {"/v3/" + project + "/types/%00", inPath}, {"/v3/" + project + "/types/a%00b", inPath},
            {"/v3/" + project + "/volumes/%00", inPath}, {"/v3/" + project + "%00/volumes", inPath}, {"/%00", inPath},
            {"/q/health%00", inPath}, {"/v3/" + project + "/volumes/%00?name=%00", inPath},
            {"/v3/" + project + "/volumes?name=%00", inQuery}, {"/v3/" + project + "/volumes?%00=x", inQuery},
            {"/v3/" + project + "/attachments?instance_id=a%00b", inQuery}, {"/q/health/live?x=%00", inQuery},
        };
        try (RawHttp http = connect()) {
            for (String[] c : cases) {
                JsonNode fault = fault(http.send(head("GET", c[0])).read(), "badRequest", 400);
                assertEquals(c[1], fault.path("message").asText(), c[0]);
            }
            assertEquals(200, http.send(head("GET", "/v3/" + project + "/volumes")).read().status(), "the connection stays usable");
        }
        try (RawHttp http = connect()) {
            // with a body on its way, the body is not read and the connection is closed after the answer
            byte[] body = createBody(100);
            RawHttp.Response withBody = http.send(head("POST", "/v3/" + project + "/volumes/%00/action", "Content-Length: " + body.length)).send(body).read();
            assertEquals(inPath, fault(withBody, "badRequest", 400).path("message").asText());
            assertTrue(http.closedWithin(Duration.ofSeconds(30)));
        }
        try (RawHttp http = connect()) { // a raw NUL byte: the HTTP decoder's bare 400
            RawHttp.Response raw = http.send(("GET /v3/" + project + "/types/a\0b HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " + token + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1)).read();
            assertEquals(400, raw.status(), raw.body());
        }
    }

    @Test
    void controlCharactersNeverYieldAServerError() throws IOException {
        for (int c = 1; c < 0x20 || c == 0x7f; c = c == 0x1f ? 0x7f : c + 1) {
            String encoded = "%" + HexFormat.of().withUpperCase().toHexDigits((byte) c);
            for (String path : new String[] {"/v3/" + project + "/types/x" + encoded, "/v3/" + project + "/volumes/" + encoded,
                "/v3/" + project + "/volumes?name=" + encoded, "/v3/" + project + "/attachments?status=" + encoded}) {
                try (RawHttp http = connect()) {
                    RawHttp.Response response = http.send(head("GET", path)).read();
                    assertTrue(response.status() < 500, path + " answered " + response.status() + " " + response.body());
                }
            }
            if (c != '\n' && c != '\r') {
                try (RawHttp http = connect()) {
                    byte[] request = ("GET /v3/" + project + "/types/x" + (char) c + "y HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " + token + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1);
                    RawHttp.Response response = http.send(request).read();
                    assertTrue(response.status() >= 400 && response.status() < 500, "raw 0x" + Integer.toHexString(c) + " answered " + response.status());
                }
            }
        }
    }

    @Test
    void aContentLengthThatIsNotOneNumberIsBadRequestNeverAServerError() throws IOException {
        for (String[] lengths : new String[][] {{"5", "5"}, {"5, 5"}, {"abc"}, {"-1"}, {"5", "6"}}) {
            try (RawHttp http = connect()) {
                String[] headers = Arrays.stream(lengths).map(l -> "Content-Length: " + l).toArray(String[]::new);
                RawHttp.Response response = http.send(head("POST", "/v3/" + project + "/volumes", headers)).send("{\"a\"}").read();
                assertEquals(400, response.status(), String.join(" / ", lengths));
            }
        }
    }

    @Test
    void onlyHttp11IsSpoken() throws IOException {
        try (RawHttp http = connect()) {
            RawHttp.Response response = http.send("GET /q/health/live HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n").read();
            assertEquals(200, response.status(), "an h2c upgrade is answered as HTTP/1.1, not with 101 Switching Protocols");
        }
        try (RawHttp http = connect()) {
            http.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
            try {
                int status = http.read().status(); // an HTTP/1.x status line, not an HTTP/2 SETTINGS frame
                assertTrue(status >= 400 && status < 600, "prior-knowledge HTTP/2 answered " + status);
            } catch (IOException | RuntimeException closedOrNotHttp1) {
                assertTrue(http.closedWithin(Duration.ofSeconds(30)), "prior-knowledge HTTP/2: " + closedOrNotHttp1);
            }
        }
    }

    @Test
    void aContentLengthOverTheLimitIsRefusedBeforeTheBodyIsSent() throws IOException {
        try (RawHttp http = connect()) {
            RawHttp.Response response = http.send(head("POST", "/v3/" + project + "/volumes", "Content-Length: " + (LIMIT + 1))).read();
            assertEquals(TOO_LARGE, fault(response, "overLimit", 413).path("message").asText());
            assertEquals("close", response.header("connection"));
            assertNotNull(response.header("x-openstack-request-id"));
            assertTrue(http.closedWithin(Duration.ofSeconds(30)), "the connection stayed open after the 413");
        }
    }

    @Test
    void expectContinueWithTooLargeALengthGetsTheRefusalInsteadOfContinue() throws IOException {
        try (RawHttp http = connect()) {
            RawHttp.Response response = http.send(head("POST", "/v3/" + project + "/volumes",
                    "Content-Length: " + 9 * 1024 * 1024, "Expect: 100-continue")).read();
            fault(response, "overLimit", 413);
            assertTrue(http.closedWithin(Duration.ofSeconds(30)));
        }
    }

    @Test
    void expectContinueWithinTheLimitGetsOneContinueAndTheAnswer() throws IOException {
        byte[] body = createBody(LIMIT);
        try (RawHttp http = connect()) {
            RawHttp.Response interim = http.send(head("POST", "/v3/" + project + "/volumes",
                    "Content-Length: " + body.length, "Expect: 100-continue")).read();
            assertEquals(100, interim.status());
            RawHttp.Response created = http.send(body).read();
            assertEquals(202, created.status(), created.body());
            // exactly one interim answer: the next request on the connection gets its own answer
            assertEquals(200, http.send(head("GET", "/v3/" + project + "/volumes")).read().status());
        }
    }

    @Test
    void aChunkedBodyIsRefusedAtTheChunkThatCrossesTheLimitAndTheConnectionClosed() throws Exception {
        try (RawHttp http = connect()) {
            http.send(head("POST", "/v3/" + project + "/volumes", "Transfer-Encoding: chunked"));
            // the body never ends: the answer must come from the crossing itself
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                byte[] piece = new byte[16 * 1024];
                Arrays.fill(piece, (byte) ' ');
                try {
                    for (int sent = 0; sent < 4 * 1024 * 1024; sent += piece.length) {
                        http.chunk(piece);
                    }
                } catch (IOException closedByServer) {
                    // expected once the server has answered and closed
                }
            });
            RawHttp.Response response = http.read();
            assertEquals(TOO_LARGE, fault(response, "overLimit", 413).path("message").asText());
            assertEquals("close", response.header("connection"));
            assertTrue(http.closedWithin(Duration.ofSeconds(30)), "the connection stayed open after the 413");
            writer.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBodyJustAtTheLimitStillWorks() throws IOException {
        byte[] atLimit = createBody(LIMIT);
        try (RawHttp http = connect()) {
            RawHttp.Response byLength = http.send(head("POST", "/v3/" + project + "/volumes", "Content-Length: " + LIMIT)).send(atLimit).read();
            assertEquals(202, byLength.status(), byLength.body());
            http.send(head("POST", "/v3/" + project + "/volumes", "Transfer-Encoding: chunked"));
            http.chunk(Arrays.copyOfRange(atLimit, 0, 100_000)).chunk(Arrays.copyOfRange(atLimit, 100_000, LIMIT)).lastChunk();
            RawHttp.Response chunked = http.read();
            assertEquals(202, chunked.status(), chunked.body());
            assertEquals("limit", JSON.readTree(chunked.body()).path("volume").path("name").asText());
        }
        try (RawHttp http = connect()) {
            http.send(head("POST", "/v3/" + project + "/volumes", "Transfer-Encoding: chunked"));
            http.chunk(Arrays.copyOfRange(atLimit, 0, LIMIT)).chunk(new byte[] {' '});
            fault(http.read(), "overLimit", 413);
        }
    }
}
