package io.mooring.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** The (id, status, name) rows of a {@code cinder list} table, in printed order. */
    private static List<String> names(CinderCli.Run run) {
        List<String> names = new ArrayList<>();
        Matcher m = ROW.matcher(run.out());
        while (m.find()) {
            assertThat(VOLUMES.get(m.group(3))).as("row " + m.group()).isEqualTo(m.group(1));
            assertThat(m.group(2)).isEqualTo("available");
            names.add(m.group(3));
        }
        return names;
    }

    private static CinderCli.Run cinder(String... command) throws Exception {
        fiveVolumes();
        CinderCli.Run run = CinderCli.run(admin.token(), admin.project(), command);
        assertThat(run.exit()).as(run.err()).isZero();
        return run;
    }

    @Test
    void listPagesThroughVolumesLinks() throws Exception {
        // without --sort the CLI orders the rows by id itself
        assertThat(names(cinder("list"))).containsExactlyInAnyOrderElementsOf(VOLUMES.keySet());
    }

    @Test
    void listByMetadata() throws Exception {
        assertThat(names(cinder("list", "--metadata", "k=v"))).containsExactlyInAnyOrder("bravo", "delta-x");
        assertThat(names(cinder("list", "--metadata", "k=v", "site=edge"))).containsExactly("delta-x");
        assertThat(names(cinder("list", "--metadata", "k=none"))).isEmpty();
    }

    @Test
    void listByInexactName() throws Exception {
        assertThat(names(cinder("--os-volume-api-version", "3.34", "list", "--filters", "name~=x")))
                .containsExactlyInAnyOrder("charlie-x", "delta-x");
        assertThat(names(cinder("--os-volume-api-version", "3.34", "list", "--filters", "name~=lph"))).containsExactly("alpha");
    }

    @Test
    void listSortedByName() throws Exception {
        assertThat(names(cinder("list", "--sort", "name:asc"))).containsExactly("alpha", "bravo", "charlie-x", "delta-x", "echo");
        assertThat(names(cinder("list", "--sort", "name:desc"))).containsExactly("echo", "delta-x", "charlie-x", "bravo", "alpha");
        assertThat(names(cinder("list", "--sort", "name:asc", "--metadata", "k=v"))).containsExactly("bravo", "delta-x");
    }
}
