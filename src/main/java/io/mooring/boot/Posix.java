package io.mooring.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The few POSIX facts and file operations the appliance needs, without JNI. */
public final class Posix {

    private Posix() {
    }

    /** True when the process runs with effective uid 0 (read from /proc, which works the same in a native image). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException ignored) {
            // not Linux: never root for our purposes
        }
        return false;
    }

    /** The command prefix that runs a program as {@code user} (null: as ourselves) with a parent-death signal. */
    public static List<String> asUserWithParentDeathSignal(String user, String signal) {
        List<String> prefix = new ArrayList<>(List.of("setpriv"));
        if (user != null) {
            prefix.addAll(List.of("--reuid", user, "--regid", user, "--init-groups"));
        }
        prefix.add("--pdeathsig");
        prefix.add(signal);
        return prefix;
    }

    /** {@code command}, run as {@code user}. */
    public static List<String> asUser(String user, List<String> command) {
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid", user, "--regid", user, "--init-groups"));
        full.addAll(command);
        return full;
    }

    public static void chownTree(Path root, String user) throws IOException {
        UserPrincipal owner = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Files.setOwner(path, owner);
            }
        }
    }

    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }
}
