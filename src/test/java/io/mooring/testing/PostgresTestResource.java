package io.mooring.testing;

import io.mooring.boot.PostgresSupervisor;
import io.mooring.boot.Posix;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts a real PostgreSQL 15 for {@code @QuarkusTest}s (no Docker here, so no Dev Services), with the same code the
 * appliance uses for its embedded database, in a fresh directory per test run; and gives the app a fresh data directory.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private PostgresSupervisor database;
    private Path runDir;

    @Override
    public Map<String, String> start() {
        try {
            Path root = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "mooring-tests"));
            runDir = Files.createTempDirectory(root, "run-");
            // PostgreSQL runs as the postgres user when the tests run as root: it must be able to reach its directory.
            Files.setPosixFilePermissions(runDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            database = PostgresSupervisor.start(runDir.resolve("postgres"));
            Map<String, String> properties = new HashMap<>(database.datasourceProperties());
            properties.put("mooring.data-dir", runDir.resolve("data").toString());
            properties.put("mooring.iscsi.host", "127.0.0.1");
            properties.put("mooring.iscsi.port", "0");
            properties.put("mooring.iscsi.advertised-address", "127.0.0.1");
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (database != null) {
            database.close();
        }
        if (runDir != null) {
            try {
                Posix.deleteTree(runDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
