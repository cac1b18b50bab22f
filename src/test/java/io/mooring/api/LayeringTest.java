package io.mooring.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.volume.VolumeService;
import java.io.IOException;
import java.lang.classfile.Annotation;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.Utf8Entry;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The API sits on top: the services and what is below them never name {@code io.mooring.api}, neither in an import nor
 * in their bytecode (a fully qualified name, a lambda, a nested class). Resources and request filters that live beside a
 * service ({@code export/SessionResource}, {@code space/LowSpaceFilter}) are the HTTP layer and may.
 */
class LayeringTest {

    private static final List<String> BELOW_API = List.of("domain", "volume", "attachment", "space", "export", "reconcile");

    /** A class with one of these (on itself or a method) is a resource or filter: HTTP layer. */
    private static final Set<String> HTTP_ANNOTATIONS = Set.of("Ljakarta/ws/rs/Path;",
            "Lorg/jboss/resteasy/reactive/server/ServerRequestFilter;", "Lorg/jboss/resteasy/reactive/server/ServerResponseFilter;");

    private static final String API = "io/mooring/api/";

    @Test
    void nothingBelowTheApiNamesIt() throws IOException, URISyntaxException {
        Path classes = classesDir();
        Path sources = Path.of("main/java"); // the service module's sources, from its base directory (Maven's working directory)
        List<String> violations = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        for (String pkg : BELOW_API) {
            for (Path file : list(classes.resolve("io/mooring/" + pkg), ".class")) {
                ClassModel model = ClassFile.of().parse(file);
                String name = model.thisClass().asInternalName();
                if (httpLayer(classes, name)) {
                    continue;
                }
                checked.add(name);
                if (namesApi(model)) {
                    violations.add(name + " refers to " + API);
                }
            }
            for (Path file : list(sources.resolve("io/mooring/" + pkg), ".java")) {
                String name = "io/mooring/" + pkg + "/" + file.getFileName().toString().replace(".java", "");
                if (!httpLayer(classes, name) && Files.readAllLines(file).stream().anyMatch(l -> l.matches("import (static )?io\\.mooring\\.api\\..*"))) {
                    violations.add(file + " imports io.mooring.api");
                }
            }
        }
        assertThat(checked).contains("io/mooring/volume/VolumeService", "io/mooring/attachment/AttachmentService",
                "io/mooring/space/SpaceAdmission", "io/mooring/export/TargetEngineExporter", "io/mooring/reconcile/Reconciler");
        assertThat(violations).isEmpty();
    }

    /** The check can fail: it sees the API in a filter's bytecode, which the exemption then lets through. */
    @Test
    void theCheckSeesAnApiReference() throws IOException, URISyntaxException {
        Path classes = classesDir();
        assertThat(namesApi(ClassFile.of().parse(classes.resolve("io/mooring/space/LowSpaceFilter.class")))).isTrue();
        assertThat(httpLayer(classes, "io/mooring/space/LowSpaceFilter")).isTrue();
        assertThat(httpLayer(classes, "io/mooring/export/SessionResource")).isTrue();
        assertThat(httpLayer(classes, VolumeService.class.getName().replace('.', '/'))).isFalse();
    }

    private static Path classesDir() throws URISyntaxException {
        return Path.of(VolumeService.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static List<Path> list(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** Any constant naming an API class: class references, descriptors and signatures all live in UTF-8 entries. */
    private static boolean namesApi(ClassModel model) {
        for (var entry : model.constantPool()) {
            if (entry instanceof Utf8Entry utf8 && utf8.stringValue().contains(API)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the top-level class of {@code internalName} (nested classes belong to it) is a resource or filter. */
    private static boolean httpLayer(Path classes, String internalName) throws IOException {
        String topLevel = internalName.contains("$") ? internalName.substring(0, internalName.indexOf('$')) : internalName;
        ClassModel model = ClassFile.of().parse(classes.resolve(topLevel + ".class"));
        List<Annotation> annotations = new ArrayList<>();
        model.findAttribute(Attributes.runtimeVisibleAnnotations()).ifPresent(a -> annotations.addAll(a.annotations()));
        model.methods().forEach(m -> m.findAttribute(Attributes.runtimeVisibleAnnotations()).ifPresent(a -> annotations.addAll(a.annotations())));
        return annotations.stream().anyMatch(a -> HTTP_ANNOTATIONS.contains(a.className().stringValue()));
    }
}
