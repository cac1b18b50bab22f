package io.mooring.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SQL statement kept in a resource file beside the code that runs it, so that {@code benchmarks/rest-ceiling.sh}
 * feeds PostgreSQL's pgbench exactly what the service sends. The file's header names its parameters in order
 * ({@code -- params: volume_id, admin, project_id}); {@code $1} is the first. The code that binds them declares the
 * same names, and loading fails unless the header, the placeholders and the caller agree.
 */
public record SqlFile(String name, String sql, List<String> params) {

    private static final Pattern HEADER = Pattern.compile("^--\\s*params:(.*)$", Pattern.MULTILINE);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$(\\d+)");

    /** Loads {@code name} from {@code owner}'s package; {@code expected} is the parameter order the caller binds. */
    public static SqlFile load(Class<?> owner, String name, List<String> expected) {
        String text;
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("No SQL file " + name + " beside " + owner.getName());
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SqlFile file = parse(name, text);
        if (!file.params.equals(expected)) {
            throw new IllegalStateException(name + " declares parameters " + file.params + " but " + owner.getSimpleName()
                    + " binds " + expected);
        }
        return file;
    }

    static SqlFile parse(String name, String text) {
        Matcher header = HEADER.matcher(text);
        List<String> params = header.find()
                ? Arrays.stream(header.group(1).split(",")).map(String::trim).filter(p -> !p.isEmpty()).toList()
                : List.of();
        TreeSet<Integer> used = new TreeSet<>();
        Matcher placeholder = PLACEHOLDER.matcher(withoutComments(text));
        while (placeholder.find()) {
            used.add(Integer.parseInt(placeholder.group(1)));
        }
        TreeSet<Integer> declared = new TreeSet<>();
        for (int i = 1; i <= params.size(); i++) {
            declared.add(i);
        }
        if (!used.equals(declared)) {
            throw new IllegalStateException(name + " declares " + params.size() + " parameters " + params
                    + " but uses placeholders " + used);
        }
        return new SqlFile(name, withoutComments(text).strip(), params);
    }

    private static String withoutComments(String text) {
        return text.lines().filter(line -> !line.stripLeading().startsWith("--"))
                .reduce(new StringBuilder(), (sb, line) -> sb.append(line).append('\n'), StringBuilder::append).toString();
    }
}
