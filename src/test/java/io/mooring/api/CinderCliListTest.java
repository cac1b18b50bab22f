package io.mooring.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The real {@code cinder list} with metadata, inexact filters and sorting, against a Mooring whose pages hold two
 * volumes: every command reads its table through {@code volumes_links}, as cinderclient follows them.
 */
@QuarkusTest
@TestProfile(CinderCliListTest.PagesOfTwo.class)
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class CinderCliListTest {

    public static class PagesOfTwo implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mooring.api.max-limit", "2");
        }
    }

    private static final Pattern ROW = Pattern.compile("^\\|\\s*([0-9a-f-]{36})\\s*\\|\\s*(\\S+)\\s*\\|\\s*(\\S*)\\s*\\|", Pattern.MULTILINE);

    /** Name → id of the five volumes of the test's project, made by the admin (whom name~ is for). */
    private static final Map<String, String> VOLUMES = new LinkedHashMap<>();
    private static Tenant admin;

    /** Once, when the first test runs (the app is up by then, unlike in a @BeforeAll). */
    private static synchronized void fiveVolumes() {
        if (admin != null) {
            return;
        }
        admin = Tenant.admin(Api.newProject());
        Map<String, Map<String, String>> metadata = Map.of("bravo", Map.of("k", "v"), "delta-x", Map.of("k", "v", "site", "edge"),
                "echo", Map.of("k", "other"));
        // created out of name order, so that sorting by name is not creation order
        for (String name : List.of("delta-x", "alpha", "echo", "charlie-x", "bravo")) {
            String id = admin.at(Api.LATEST).body(Map.of("volume", Map.of("size", 1, "name", name, "metadata", metadata.getOrDefault(name, Map.of()))))
                    .post(admin.url("/volumes")).then().statusCode(202).extract().path("volume.id");
            VOLUMES.put(name, id);
        }
    }

    record Run(int exit, String out, String err) {

        /** The (id, status, name) rows of a {@code cinder list} table, in printed order. */
        List<String> names() {
            List<String> names = new ArrayList<>();
            Matcher m = ROW.matcher(out);
            while (m.find()) {
                assertThat(VOLUMES.get(m.group(3))).as("row " + m.group()).isEqualTo(m.group(1));
                assertThat(m.group(2)).isEqualTo("available");
                names.add(m.group(3));
            }
            return names;
        }
    }

    private static Run cinder(String... command) throws Exception {
        fiveVolumes();
        List<String> args = new ArrayList<>(List.of("/usr/bin/cinder", "--os-auth-type", "admin_token", "--os-token", admin.token(),
                "--os-project-id", admin.project(), "--os-endpoint", "http://127.0.0.1:" + RestAssured.port + "/v3/" + admin.project()));
        args.addAll(List.of(command));
        Process process = new ProcessBuilder(args).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        Run run = new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        assertThat(run.exit()).as(run.err()).isZero();
        return run;
    }

    @Test
    void listPagesThroughVolumesLinks() throws Exception {
        // without --sort the CLI orders the rows by id itself
        assertThat(cinder("list").names()).containsExactlyInAnyOrderElementsOf(VOLUMES.keySet());
    }

    @Test
    void listByMetadata() throws Exception {
        assertThat(cinder("list", "--metadata", "k=v").names()).containsExactlyInAnyOrder("bravo", "delta-x");
        assertThat(cinder("list", "--metadata", "k=v", "site=edge").names()).containsExactly("delta-x");
        assertThat(cinder("list", "--metadata", "k=none").names()).isEmpty();
    }

    @Test
    void listByInexactName() throws Exception {
        assertThat(cinder("--os-volume-api-version", "3.34", "list", "--filters", "name~=x").names())
                .containsExactlyInAnyOrder("charlie-x", "delta-x");
        assertThat(cinder("--os-volume-api-version", "3.34", "list", "--filters", "name~=lph").names()).containsExactly("alpha");
    }

    @Test
    void listSortedByName() throws Exception {
        assertThat(cinder("list", "--sort", "name:asc").names()).containsExactly("alpha", "bravo", "charlie-x", "delta-x", "echo");
        assertThat(cinder("list", "--sort", "name:desc").names()).containsExactly("echo", "delta-x", "charlie-x", "bravo", "alpha");
        assertThat(cinder("list", "--sort", "name:asc", "--metadata", "k=v").names()).containsExactly("bravo", "delta-x");
    }
}
