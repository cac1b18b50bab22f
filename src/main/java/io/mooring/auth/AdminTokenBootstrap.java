package io.mooring.auth;

import io.mooring.boot.MooringConfig;
import io.mooring.fs.DurableFiles;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Zero-config access: the first start generates an admin token (CSPRNG), writes it to {@code <dataDir>/admin-token}
 * readable only by its owner and logs where it is, never the token. Later starts reuse it.
 */
@ApplicationScoped
public class AdminTokenBootstrap {

    private static final Logger LOG = Logger.getLogger(AdminTokenBootstrap.class);

    /** The admin token's own project (used by project-less URLs); admins may act in any project named in the URL. */
    public static final String ADMIN_PROJECT_ID = "00000000000000000000000000000000";

    @Inject
    MooringConfig config;

    @Inject
    TokenService tokens;

    void onStart(@Observes StartupEvent event) throws Throwable {
        Path file = config.dataDir().resolve("admin-token").toAbsolutePath();
        String token = Files.exists(file) ? Files.readString(file, StandardCharsets.US_ASCII).trim() : create(file);
        VertxContextSupport.subscribeAndAwait(() -> tokens.register(token, ADMIN_PROJECT_ID, TokenService.ADMIN, "generated admin token"));
        LOG.infof("Admin token: %s (send it as X-Auth-Token)", file);
    }

    /** Written durably (temporary file, fsync, rename, fsync of the directory): a crash never leaves a partial token. */
    private String create(Path file) throws IOException {
        String token = tokens.newToken();
        DurableFiles.writeOwnerOnly(file, (token + "\n").getBytes(StandardCharsets.US_ASCII));
        return token;
    }
}
