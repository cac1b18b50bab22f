package io.mooring.engine.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads the compiled classes of engine.scsi (every class name in their constant pools: references, descriptors and
 * signatures, so same-package uses without an import count too) and checks the layering:
 * no two classes depend on each other through any chain, and the subpackages form a DAG. The root package is left
 * out of the package check: it holds both the contract the transport and the handlers share (ScsiCommand,
 * ScsiResponse, DataIn, ...) and the entry the transport calls (ScsiDevice), which the transport needs in one place.
 */
class DependencyCycleTest {

    private static final String ROOT = "io/mooring/engine/scsi";
    private static final Pattern REFERENCE = Pattern.compile(Pattern.quote(ROOT) + "[A-Za-z0-9_/$]*");

    /** Top-level class (nested classes folded in) → the top-level engine.scsi classes it refers to. */
    private static Map<String, Set<String>> classGraph;

    @BeforeAll
    static void readClasses() throws IOException, URISyntaxException {
        Path classes = Path.of(ScsiDevice.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        classGraph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes.resolve(ROOT))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = topLevel(classes.relativize(file).toString().replace(".class", ""));
                Set<String> refs = classGraph.computeIfAbsent(name, n -> new TreeSet<>());
                for (PoolEntry entry : ClassFile.of().parse(file).constantPool()) {
                    if (entry instanceof Utf8Entry utf8) {
                        Matcher m = REFERENCE.matcher(utf8.stringValue());
                        while (m.find()) {
                            String target = topLevel(m.group());
                            if (!target.equals(name) && !target.endsWith("/package-info")) {
                                refs.add(target);
                            }
                        }
                    }
                }
            }
        }
        classGraph.values().forEach(refs -> refs.retainAll(classGraph.keySet()));
    }

    @Test
    void theGraphWasRead() {
        assertThat(classGraph).containsKeys(ROOT + "/CommandTable", ROOT + "/spc/SupportedOperationCodes",
                ROOT + "/lun/LogicalUnit");
        assertThat(classGraph.get(ROOT + "/CommandTable")).contains(ROOT + "/spc/Inquiry");
    }

    @Test
    void noClassesDependOnEachOtherInACycle() {
        assertThat(cycles(classGraph)).isEmpty();
    }

    @Test
    void subpackagesFormADag() {
        Map<String, Set<String>> packages = new TreeMap<>();
        classGraph.forEach((from, refs) -> {
            String fromPackage = packageOf(from);
            if (fromPackage.equals(ROOT)) {
                return;
            }
            Set<String> targets = packages.computeIfAbsent(fromPackage, p -> new TreeSet<>());
            refs.stream().map(DependencyCycleTest::packageOf)
                    .filter(p -> !p.equals(ROOT) && !p.equals(fromPackage))
                    .forEach(targets::add);
        });
        assertThat(packages).containsKeys(ROOT + "/spc", ROOT + "/sbc", ROOT + "/lun", ROOT + "/pr");
        assertThat(cycles(packages)).isEmpty();
    }

    private static String topLevel(String className) {
        int nested = className.indexOf('$');
        return nested < 0 ? className : className.substring(0, nested);
    }

    private static String packageOf(String className) {
        return className.substring(0, className.lastIndexOf('/'));
    }

    /** The strongly connected components with more than one member (Tarjan). */
    private static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        List<String> stack = new ArrayList<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> found = new ArrayList<>();
        for (String node : graph.keySet()) {
            if (!index.containsKey(node)) {
                connect(node, graph, index, low, stack, onStack, found);
            }
        }
        return found;
    }

    private static void connect(String node, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, List<String> stack, Set<String> onStack,
                                List<Set<String>> found) {
        index.put(node, index.size());
        low.put(node, index.get(node));
        stack.add(node);
        onStack.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (!index.containsKey(next)) {
                connect(next, graph, index, low, stack, onStack, found);
                low.put(node, Math.min(low.get(node), low.get(next)));
            } else if (onStack.contains(next)) {
                low.put(node, Math.min(low.get(node), index.get(next)));
            }
        }
        if (low.get(node).equals(index.get(node))) {
            Set<String> component = new TreeSet<>();
            String member;
            do {
                member = stack.remove(stack.size() - 1);
                onStack.remove(member);
                component.add(member);
            } while (!member.equals(node));
            if (component.size() > 1) {
                found.add(component);
            }
        }
    }
}
