package io.mooring.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * The real {@code cinder} CLI against Mooring's API at {@code baseUrl} (e.g. {@code http://127.0.0.1:8776}), acting
     * in {@code project} with keystoneauth's {@code admin_token} plugin, as README shows operators.
     */
    public static Result cinder(String baseUrl, String token, String project, String... args) throws IOException, InterruptedException {
        return run(cinderCommand(baseUrl, token, project, args));
    }

    /** The command line {@link #cinder} runs. */
    public static List<String> cinderCommand(String baseUrl, String token, String project, String... args) {
        List<String> command = new ArrayList<>(List.of("cinder", "--os-auth-type", "admin_token", "--os-token=" + token,
                "--os-project-id", project, "--os-endpoint", baseUrl + "/v3/" + project));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * qemu-io over libiscsi, logged in to {@code iqn} at {@code portal} with a CHAP account whose password goes in a new
     * file under {@code secretDir} (never on the command line); each of {@code commands} is one {@code -c}.
     */
    public static List<String> qemuIoCommand(Path secretDir, String portal, String iqn, String user, String password,
                                             String initiator, String... commands) throws IOException {
        Path secret = Files.createTempFile(secretDir, "chap-", ".secret");
        Files.writeString(secret, password);
        List<String> command = new ArrayList<>(List.of("qemu-io", "--object", "secret,id=chap,file=" + secret,
                "--image-opts", "driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=" + portal
                        + ",file.target=" + iqn + ",file.lun=0,file.user=" + user
                        + ",file.password-secret=chap,file.initiator-name=" + initiator));
        for (String c : commands) {
            command.addAll(List.of("-c", c));
        }
        return command;
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
