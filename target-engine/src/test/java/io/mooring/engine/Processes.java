package io.mooring.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs real initiator tools as child processes with a deadline. */
public final class Processes {

    public record Result(int exit, String output) {
    }

    private Processes() {
    }

    public static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    public static Result run(List<String> command, Map<String, String> env, long timeoutSeconds) throws IOException,
            InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Path log = Files.createTempFile("initiator", ".log");
        builder.redirectOutput(log.toFile());
        Process process = builder.start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(command.get(0) + " hung for " + timeoutSeconds + " s: "
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    public static Result run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(List.of(command), Map.of(), timeoutSeconds);
    }
}
