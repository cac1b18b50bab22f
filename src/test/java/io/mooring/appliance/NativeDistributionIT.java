package io.mooring.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The native distribution (native/dist.sh, the directory named by {@code mooring.executable}) as an operator uses it:
 * copied elsewhere and started from another working directory, with no configuration. Only the native failsafe
 * execution of src/pom.xml runs it.
 */
class NativeDistributionIT {

    @Test
    void runsFromACopyInAnotherDirectoryOnItsOwnLibraries() throws Exception {
        String executable = System.getProperty("mooring.executable");
        assertThat(executable).as("mooring.executable (set by the native profile)").isNotNull();
        Path copy = copyDistribution(Path.of(executable).toAbsolutePath().getParent());
        Set<String> shipped = list(copy);
        assertThat(shipped).contains("mooring", "libjava.so");

        try (Appliance appliance = startFrom(copy.resolve("mooring"))) {
            assertThat(appliance.workDir()).isNotEqualTo(copy);
            assertThat(appliance.dataDir().resolve("admin-token")).as("zero-config start in the working directory").exists();
            assertThat(list(copy)).as("nothing written beside the executable").isEqualTo(shipped);

            List<Path> mapped = mappedFiles(pidOf(copy.resolve("mooring")));
            for (Path library : mapped) {
                if (shipped.contains(library.getFileName().toString())) {
                    assertThat(library.getParent()).as("%s is loaded from the distribution", library).isEqualTo(copy);
                }
                for (Path toolchain : toolchainRunpath(copy.resolve("mooring"))) {
                    assertThat(library.startsWith(toolchain)).as("%s is loaded from the build machine's toolchain", library).isFalse();
                }
            }
            assertThat(mapped).contains(copy.resolve("libjava.so"));
            assertThat(appliance.stop()).isIn(0, 130, 143);
        }
    }

    private static Path copyDistribution(Path distribution) throws IOException {
        Path parent = Files.createDirectories(Path.of(System.getProperty("mooring.it.dir", "target/it")).toAbsolutePath());
        Path copy = Files.createTempDirectory(parent, "distribution-").toRealPath();
        try (Stream<Path> files = Files.list(distribution)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, copy.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return copy;
    }

    /** Appliance starts whatever {@code mooring.executable} names; this test points it at the copy meanwhile. */
    private static Appliance startFrom(Path executable) throws Exception {
        String original = System.getProperty("mooring.executable");
        System.setProperty("mooring.executable", executable.toString());
        try {
            return Appliance.fresh().start();
        } finally {
            System.setProperty("mooring.executable", original);
        }
    }

    private static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private static long pidOf(Path executable) throws IOException {
        try (Stream<Path> proc = Files.list(Path.of("/proc"))) {
            return proc.filter(dir -> dir.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(dir -> {
                        try {
                            return Files.readSymbolicLink(dir.resolve("exe")).equals(executable);
                        } catch (IOException | UnsupportedOperationException gone) {
                            return false;
                        }
                    })
                    .mapToLong(dir -> Long.parseLong(dir.getFileName().toString()))
                    .findFirst().orElseThrow(() -> new AssertionError("no process runs " + executable));
        }
    }

    private static List<Path> mappedFiles(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps")).stream()
                .map(line -> line.split("\\s+", 6))
                .filter(fields -> fields.length == 6 && fields[5].startsWith("/"))
                .map(fields -> Path.of(fields[5].trim()))
                .distinct()
                .toList();
    }

    /** The RUNPATH entries other than $ORIGIN's: where the executable would fall back to the toolchain's libraries. */
    private static List<Path> toolchainRunpath(Path executable) throws Exception {
        Tools.Result dynamic = Tools.run(List.of("readelf", "-d", executable.toString())).requireSuccess();
        return dynamic.output().lines()
                .filter(line -> line.contains("(RUNPATH)") || line.contains("(RPATH)"))
                .flatMap(line -> Arrays.stream(line.substring(line.indexOf('[') + 1, line.lastIndexOf(']')).split(":")))
                .filter(entry -> !entry.isEmpty() && !entry.startsWith("$ORIGIN"))
                .map(Path::of)
                .toList();
    }
}
