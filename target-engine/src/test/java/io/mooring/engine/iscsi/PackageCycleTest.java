package io.mooring.engine.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The transport's packages depend on each other in one direction only (pdu, node, login, session, conn from the
 * bottom up): a lower layer names an interface that a higher one implements instead of importing it. Read from
 * the sources, so that every reference counts: imports and fully qualified names alike.
 */
class PackageCycleTest {

    private static final Path ROOT = Path.of("src/main/java/io/mooring/engine/iscsi");
    private static final Pattern REFERENCE = Pattern.compile("io\\.mooring\\.engine\\.iscsi\\.([a-z]+)\\.[A-Z]");

    @Test
    void packagesOfTheTransportFormNoCycle() throws IOException {
        Map<String, Set<String>> uses = dependencies();
        assertThat(uses).containsKeys("conn", "login", "node", "pdu", "session");
        List<String> cycle = findCycle(uses);
        assertThat(cycle).as("package cycle in engine.iscsi: %s (uses: %s)", cycle, uses).isEmpty();
    }

    @Test
    void aCycleIsFoundWhenThereIsOne() {
        assertThat(findCycle(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")))).isNotEmpty();
        assertThat(findCycle(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of()))).isEmpty();
    }

    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Path relative = ROOT.relativize(file.getParent());
                if (relative.toString().isEmpty()) {
                    continue; // package-info of engine.iscsi itself
                }
                String from = relative.toString().replace('/', '.');
                Set<String> targets = uses.computeIfAbsent(from, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(1).equals(from)) {
                        targets.add(m.group(1));
                    }
                }
            }
        }
        return uses;
    }

    /** A cycle as the path of packages around it, or empty. */
    static List<String> findCycle(Map<String, Set<String>> uses) {
        Map<String, Integer> state = new TreeMap<>(); // 1 on the current path, 2 done
        for (String start : uses.keySet()) {
            List<String> path = new ArrayList<>();
            if (visit(start, uses, state, path)) {
                return path;
            }
        }
        return List.of();
    }

    private static boolean visit(String node, Map<String, Set<String>> uses, Map<String, Integer> state,
                                 List<String> path) {
        Integer s = state.get(node);
        if (s != null) {
            if (s == 1) {
                path.add(node);
                return true;
            }
            return false;
        }
        state.put(node, 1);
        path.add(node);
        for (String next : uses.getOrDefault(node, Set.of())) {
            if (visit(next, uses, state, path)) {
                return true;
            }
        }
        path.remove(path.size() - 1);
        state.put(node, 2);
        return false;
    }
}
