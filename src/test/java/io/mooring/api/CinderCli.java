package io.mooring.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.appliance.Tools;
import io.restassured.RestAssured;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real Debian {@code cinder} CLI (python3-cinderclient) against the {@code @QuarkusTest}'s Mooring, authenticated as
 * in spec §10 Recipe B ({@link Tools#cinderCommand}); stdout and stderr kept apart, since the CLI prints its errors on
 * stderr and its tables on stdout.
 */
final class CinderCli {

    private CinderCli() {
    }

    record Run(int exit, String out, String err) {

        /** The Value cell of a Property/Value table row. */
        String property(String name) {
            Matcher m = Pattern.compile("^\\|\\s*" + Pattern.quote(name) + "\\s*\\|\\s*(.*?)\\s*\\|$", Pattern.MULTILINE).matcher(out);
            return m.find() ? m.group(1) : null;
        }
    }

    static Run run(String token, String project, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(Tools.cinderCommand("http://127.0.0.1:" + RestAssured.port, token, project, command))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
