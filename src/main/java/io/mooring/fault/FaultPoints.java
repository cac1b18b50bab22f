package io.mooring.fault;

import io.mooring.boot.MooringConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Test-only pauses between the steps of multi-step operations, so a crash test can kill the JVM or a PostgreSQL
 * backend at an exact step. Only the step named by {@code mooring.fault.pause-at} pauses; unset, {@link #reach}
 * is a constant no-op. A paused thread logs {@code fault point <name> reached} and waits (off the event loop) until
 * {@code <dataDir>/fault-point.continue} appears, which it consumes.
 */
@ApplicationScoped
public class FaultPoints {

    public static final String VOLUME_CREATE_ROW_COMMITTED = "volume.create.row-committed";
    public static final String VOLUME_CREATE_FILE_WRITTEN = "volume.create.file-written";
    public static final String VOLUME_DELETE_MARKED = "volume.delete.marked";
    public static final String VOLUME_DELETE_FILE_REMOVED = "volume.delete.file-removed";
    public static final String VOLUME_EXTEND_MARKED = "volume.extend.marked";
    public static final String VOLUME_EXTEND_GROWN = "volume.extend.grown";
    public static final String VOLUME_EXTEND_TARGET_TOLD = "volume.extend.target-told";
    public static final String ATTACHMENT_CONNECT_EXPORTED = "attachment.connect.exported";
    public static final String ATTACHMENT_DELETE_MARKED = "attachment.delete.marked";
    public static final String ATTACHMENT_DELETE_REVOKED = "attachment.delete.revoked";

    private static final Logger LOG = Logger.getLogger(FaultPoints.class);

    private final Optional<String> armed;
    private final Path continueFile;
    private final Vertx vertx;

    public FaultPoints(MooringConfig config, Vertx vertx) {
        this.armed = config.fault().pauseAt();
        this.continueFile = config.dataDir().resolve("fault-point.continue");
        this.vertx = vertx;
    }

    /** Completes at once unless {@code point} is the armed one. */
    public Uni<Void> reach(String point) {
        if (armed.isEmpty() || !armed.get().equals(point)) {
            return Uni.createFrom().voidItem();
        }
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            pause(point);
            return true;
        }), false).replaceWithVoid();
    }

    private void pause(String point) {
        LOG.infof("fault point %s reached", point);
        try {
            while (!Files.deleteIfExists(continueFile)) {
                Thread.sleep(20);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
