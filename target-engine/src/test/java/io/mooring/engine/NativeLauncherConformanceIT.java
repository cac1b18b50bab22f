package io.mooring.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ConformanceTest}'s suite against {@link TargetLauncher} built as a native executable (the engine's native
 * profile, {@code -Dnative}, passes its path as {@code engine.launcher}). The suite logs in ~230 times with two
 * initiators, so the JCTools tables (targets, sessions, LUNs, reservations) are written, read and resized in the image:
 * their Unsafe field offsets must be the image's own (see META-INF/native-image/io.mooring/mooring-target-engine).
 * The image has no FFM downcalls, so its LUN cannot punch holes and reports full provisioning: the floor is that of a
 * fully provisioned LUN.
 */
class NativeLauncherConformanceIT {

    private static final Pattern LISTENING = Pattern.compile("^listening on [^ ]+:(\\d+) ");

    @TempDir
    Path dir;

    @Test
    void passesAtLeastTheFloor() throws Exception {
        Path launcher = Path.of(System.getProperty("engine.launcher", "target/mooring-target-launcher"));
        Path lun = ConformanceTest.scratchLun(dir);
        Process process = new ProcessBuilder(List.of(launcher.toAbsolutePath().toString(),
                "--listen", "127.0.0.1:0", "--iqn", ConformanceTest.IQN, "--file", lun.toString(),
                "--size", Long.toString(ConformanceTest.LUN_SIZE),
                "--chap", ConformanceTest.USER + ":" + ConformanceTest.SECRET,
                "--initiator", ConformanceTest.INITIATOR_A, "--initiator", ConformanceTest.INITIATOR_B))
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            // JDK 25 warns about sun.misc.Unsafe (Netty, JCTools) before the launcher's own line
            String port = null;
            StringBuilder seen = new StringBuilder();
            for (String line; port == null && (line = output.readLine()) != null; ) {
                Matcher listening = LISTENING.matcher(line);
                if (listening.find()) {
                    port = listening.group(1);
                } else {
                    seen.append(line).append('\n');
                }
            }
            assertThat(port).as("'listening on' from the launcher, which printed:%n%s", seen).isNotNull();
            Thread drain = Thread.ofVirtual().start(() -> output.lines().forEach(System.out::println));
            ConformanceTest.assertPassesTheFloor(Integer.parseInt(port), dir, ConformanceTest.FULLY_PROVISIONED_PASS_FLOOR);
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the launcher stops on SIGTERM").isTrue();
            drain.join(5000);
        } finally {
            process.destroyForcibly();
        }
    }
}
