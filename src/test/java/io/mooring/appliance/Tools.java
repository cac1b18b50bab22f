package io.mooring.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real command-line tools the tests drive (cinder, libiscsi's iscsi-*, qemu-io) and parses their tables. */
public final class Tools {

    private Tools() {
    }

    /** What a finished command printed (stdout and stderr together) and its exit code. */
    public record Result(int exitCode, String output) {
        public Result requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("exit " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    public static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, 120);
    }

    public static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command);
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /**
     * The rows of every prettytable the cinder CLI printed, as key → value for two-column tables
     * ({@code | Property | Value |}); later tables override earlier ones' keys.
     */
    public static Map<String, String> propertyTable(String output) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            List<String> cells = cells(line);
            if (cells.size() == 2 && !cells.get(0).equals("Property") && !cells.get(0).equals("Key")) {
                properties.put(cells.get(0), cells.get(1));
            }
        }
        return properties;
    }

    /** The data rows of a prettytable (header row first), each as its cells. */
    public static List<List<String>> rows(String output) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : output.split("\n")) {
            List<String> cells = cells(line);
            if (!cells.isEmpty()) {
                rows.add(cells);
            }
        }
        return rows;
    }

    private static List<String> cells(String line) {
        String trimmed = line.trim();
        if (!trimmed.startsWith("|") || !trimmed.endsWith("|")) {
            return List.of();
        }
        List<String> cells = new ArrayList<>();
        for (String cell : trimmed.substring(1, trimmed.length() - 1).split("\\|", -1)) {
            cells.add(cell.trim());
        }
        return cells;
    }
}
