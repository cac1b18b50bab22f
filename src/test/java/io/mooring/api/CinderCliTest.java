package io.mooring.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The real Debian {@code cinder} CLI (python3-cinderclient) against Mooring, authenticated as in spec §10 Recipe B:
 * {@code cinder --os-auth-type admin_token --os-token T --os-project-id P --os-endpoint http://127.0.0.1:PORT/v3/P <cmd>}
 * (acceptance checks 35–37, run with Mooring's tokens).
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class CinderCliTest {

    private static final Path CINDER = Path.of("/usr/bin/cinder");

    private static CinderCli.Run cinder(String token, String project, String... command) throws IOException, InterruptedException {
        return CinderCli.run(token, project, command);
    }

    @Test
    void theCinderCliDrivesTheWholeWorkflow() throws Exception { // checks 35, 36 (Recipe B), 37
        assertThat(Files.isExecutable(CINDER)).as("python3-cinderclient must be installed (apt-get install python3-cinderclient)").isTrue();
        Tenant tenant = Tenant.fresh();
        String token = tenant.token();
        String project = tenant.project();
        String name = "cli-" + UUID.randomUUID().toString().substring(0, 8);
        String server = UUID.randomUUID().toString();

        CinderCli.Run created = cinder(token, project, "create", "1", "--name", name);
        assertThat(created.exit()).as(created.err()).isZero();
        // the CLI prints the volume it fetches right after the create, not the create's 202 (Cinder's "creating")
        assertThat(created.property("status")).isEqualTo("available");
        assertThat(created.property("size")).isEqualTo("1");
        String volume = created.property("id");

        CinderCli.Run shown = cinder(token, project, "show", name);
        assertThat(shown.exit()).as(shown.err()).isZero();
        assertThat(shown.property("id")).isEqualTo(volume);

        CinderCli.Run listed = cinder(token, project, "list");
        assertThat(listed.exit()).isZero();
        assertThat(listed.err()).doesNotContain("downgrading");
        assertThat(listed.out()).containsPattern(volume + "\\s*\\|\\s*available\\s*\\|\\s*" + name);

        CinderCli.Run reserved = cinder(token, project, "--os-volume-api-version", "3.27", "attachment-create", name, server);
        assertThat(reserved.exit()).as(reserved.err()).isZero();
        assertThat(reserved.property("status")).isEqualTo("reserved");
        assertThat(reserved.property("instance")).isEqualTo(server);
        assertThat(reserved.property("attach_mode")).isEqualTo("null");
        String attachment = reserved.property("id");
        assertThat(tenant.volumeStatus(volume)).isEqualTo("reserved");

        CinderCli.Run updated = cinder(token, project, "--os-volume-api-version", "3.27", "attachment-update", attachment,
                "--initiator", "iqn.1993-08.org.debian:01:cli1", "--ip", "127.0.0.1", "--host", "cli-host", "--mountpoint", "/dev/vdb");
        assertThat(updated.exit()).as(updated.err()).isZero();
        assertThat(updated.property("status")).isEqualTo("attaching");
        assertThat(updated.property("auth_method")).isEqualTo("CHAP");
        assertThat(updated.property("target_iqn")).endsWith(":volume-" + volume);
        assertThat(updated.property("auth_password")).matches("[A-Za-z0-9]{16,24}");
        assertThat(tenant.volumeStatus(volume)).isEqualTo("attaching");

        CinderCli.Run attachments = cinder(token, project, "--os-volume-api-version", "3.27", "attachment-list", "--volume-id", volume);
        assertThat(attachments.exit()).isZero();
        assertThat(attachments.out()).containsPattern(attachment + "\\s*\\|\\s*" + volume + "\\s*\\|\\s*attaching\\s*\\|\\s*" + server);

        CinderCli.Run attachmentShown = cinder(token, project, "--os-volume-api-version", "3.27", "attachment-show", attachment);
        assertThat(attachmentShown.exit()).isZero();
        assertThat(attachmentShown.property("status")).isEqualTo("attaching");

        CinderCli.Run completed = cinder(token, project, "--os-volume-api-version", "3.44", "attachment-complete", attachment);
        assertThat(completed.exit()).as(completed.err()).isZero();
        assertThat(tenant.volumeStatus(volume)).isEqualTo("in-use");
        assertThat(cinder(token, project, "list").out()).containsPattern(volume + "\\s*\\|\\s*in-use\\s*\\|.*" + server);

        CinderCli.Run refused = cinder(token, project, "delete", name);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.out() + refused.err()).contains("Delete for volume " + name + " failed: Invalid volume: Volume status must be available")
                .contains("(HTTP 400) (Request-ID: req-");

        CinderCli.Run detached = cinder(token, project, "--os-volume-api-version", "3.27", "attachment-delete", attachment);
        assertThat(detached.exit()).as(detached.err()).isZero();
        assertThat(tenant.volumeStatus(volume)).isEqualTo("available");

        CinderCli.Run gone = cinder(token, project, "--os-volume-api-version", "3.27", "attachment-show", attachment);
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.err()).contains("Volume attachment could not be found with filter: attachment_id = " + attachment + ". (HTTP 404) (Request-ID: req-");

        // create-with-connector in one call: the seed's connection table
        CinderCli.Run connected = cinder(token, project, "--os-volume-api-version", "3.54", "attachment-create", name, server, "--connect", "True",
                "--initiator", "iqn.1993-08.org.debian:01:cli2", "--ip", "127.0.0.1", "--host", "cli-host2", "--mode", "ro");
        assertThat(connected.exit()).as(connected.err()).isZero();
        assertThat(connected.property("status")).isEqualTo("attaching");
        for (String key : List.of("access_mode", "attachment_id", "auth_method", "auth_password", "auth_username", "encrypted", "qos_specs",
                "target_discovered", "target_iqn", "target_lun", "target_portal", "volume_id")) {
            assertThat(connected.property(key)).as(key).isNotNull();
        }
        assertThat(connected.property("access_mode")).isEqualTo("ro");
        assertThat(connected.property("target_lun")).isEqualTo("0");
        assertThat(connected.property("volume_id")).isEqualTo(volume);
        assertThat(cinder(token, project, "--os-volume-api-version", "3.27", "attachment-delete", connected.property("id")).exit()).isZero();

        CinderCli.Run deleted = cinder(token, project, "delete", name);
        assertThat(deleted.exit()).as(deleted.err()).isZero();
        assertThat(deleted.out()).contains("Request to delete volume " + name + " has been accepted.");
        tenant.at(Api.LATEST).get(tenant.url("/volumes/" + volume)).then().statusCode(404);

        CinderCli.Run unauthorized = cinder("not-a-token", project, "list");
        assertThat(unauthorized.exit()).isEqualTo(1);
        assertThat(unauthorized.err()).contains("(HTTP 401)");
    }
}
