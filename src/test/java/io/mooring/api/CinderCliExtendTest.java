package io.mooring.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code cinder extend} with the real Debian CLI (python3-cinderclient 9.1.0, driven as {@code CinderCliTest} does):
 * an available volume at the CLI's own version, an in-use one refused at 3.41 and extended at 3.42, each printed
 * table and refusal asserted.
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class CinderCliExtendTest {

    private static CinderCli.Run cinder(Tenant tenant, String... command) throws IOException, InterruptedException {
        return CinderCli.run(tenant.token(), tenant.project(), command);
    }

    @Test
    void cinderExtendGrowsAnAvailableVolumeAndAnInUseOneFrom342() throws Exception {
        Tenant tenant = Tenant.fresh();
        String name = "cli-extend-" + UUID.randomUUID().toString().substring(0, 8);
        CinderCli.Run created = cinder(tenant, "create", "1", "--name", name);
        assertThat(created.exit()).as(created.err()).isZero();
        String volume = created.property("id");

        CinderCli.Run extended = cinder(tenant, "extend", name, "2");
        assertThat(extended.exit()).as(extended.err()).isZero();
        assertThat(extended.out()).as("cinder extend prints nothing on success").isEmpty();
        CinderCli.Run shown = cinder(tenant, "show", name);
        assertThat(shown.property("size")).isEqualTo("2");
        assertThat(shown.property("status")).isEqualTo("available");
        assertThat(cinder(tenant, "list").out()).containsPattern(volume + "\\s*\\|\\s*available\\s*\\|\\s*" + name + "\\s*\\|\\s*2\\s*\\|");

        CinderCli.Run connected = cinder(tenant, "--os-volume-api-version", "3.54", "attachment-create", name, UUID.randomUUID().toString(),
                "--connect", "True", "--initiator", "iqn.1993-08.org.debian:01:extend", "--ip", "127.0.0.1", "--host", "extend-host");
        assertThat(connected.exit()).as(connected.err()).isZero();
        String attachment = connected.property("id");
        assertThat(cinder(tenant, "--os-volume-api-version", "3.44", "attachment-complete", attachment).exit()).isZero();
        assertThat(cinder(tenant, "show", name).property("status")).isEqualTo("in-use");

        CinderCli.Run refused = cinder(tenant, "--os-volume-api-version", "3.41", "extend", name, "3");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("ERROR: Invalid volume: Volume " + volume + " status must be '{'status': 'available'}'"
                + " to extend, currently in-use. (HTTP 400) (Request-ID: req-");

        CinderCli.Run live = cinder(tenant, "--os-volume-api-version", "3.42", "extend", name, "3");
        assertThat(live.exit()).as(live.err()).isZero();
        CinderCli.Run after = cinder(tenant, "show", name);
        assertThat(after.property("size")).isEqualTo("3");
        assertThat(after.property("status")).isEqualTo("in-use");

        CinderCli.Run notLarger = cinder(tenant, "--os-volume-api-version", "3.42", "extend", name, "3");
        assertThat(notLarger.exit()).isEqualTo(1);
        assertThat(notLarger.err()).contains("ERROR: Invalid input received: New size for extend must be greater than current size."
                + " (current: 3, extended: 3). (HTTP 400)");

        assertThat(cinder(tenant, "--os-volume-api-version", "3.27", "attachment-delete", attachment).exit()).isZero();
        assertThat(cinder(tenant, "delete", name).exit()).isZero();
    }
}
