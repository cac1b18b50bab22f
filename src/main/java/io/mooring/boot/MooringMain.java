package io.mooring.boot;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The appliance's entry point. Before Quarkus reads its configuration it decides where the database is: an external
 * PostgreSQL when {@code quarkus.datasource.reactive.url} is configured (system property or
 * {@code QUARKUS_DATASOURCE_REACTIVE_URL}), otherwise a local one under the data directory that this process owns and keeps running ({@link PostgresSupervisor}).
 * Starting it here, and not in a build step or a config source, means it happens only when the application really runs.
 */
@QuarkusMain
public final class MooringMain {

    private MooringMain() {
    }

    public static void main(String... args) {
        PostgresSupervisor database = externalDatabaseConfigured() ? null : PostgresSupervisor.start(dataDir().resolve("postgres"));
        if (database != null) {
            database.datasourceProperties().forEach(System::setProperty);
            Runtime.getRuntime().addShutdownHook(new Thread(database::close, "local-postgres-stop"));
        }
        Quarkus.run(args);
    }

    private static boolean externalDatabaseConfigured() {
        return setting("quarkus.datasource.reactive.url", "QUARKUS_DATASOURCE_REACTIVE_URL").isPresent();
    }

    /** The same data directory {@link MooringConfig#dataDir()} resolves to. */
    private static Path dataDir() {
        return Path.of(setting("mooring.data-dir", "MOORING_DATA_DIR").orElse("mooring-data")).toAbsolutePath();
    }

    private static Optional<String> setting(String property, String environmentVariable) {
        return Optional.ofNullable(System.getProperty(property))
                .or(() -> Optional.ofNullable(System.getenv(environmentVariable)))
                .filter(value -> !value.isBlank());
    }
}
