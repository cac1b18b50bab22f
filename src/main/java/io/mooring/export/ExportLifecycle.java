package io.mooring.export;

import io.mooring.attachment.AttachmentService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * Starts the iSCSI portal once the database is migrated, with every attachment the database says is connected already
 * re-exported (the engine keeps nothing across restarts, so nothing stale can survive a crash), and stops it with the
 * application.
 */
@Singleton
public class ExportLifecycle {

    private final TargetEngineExporter exporter;
    private final AttachmentService attachments;

    public ExportLifecycle(TargetEngineExporter exporter, AttachmentService attachments) {
        this.exporter = exporter;
        this.attachments = attachments;
    }

    void onStart(@Observes @Priority(100) StartupEvent event) throws Throwable {
        List<ExportGrant> grants = VertxContextSupport.subscribeAndAwait(attachments::grantsToRestore);
        exporter.start(grants);
    }

    void onStop(@Observes ShutdownEvent event) {
        exporter.stop();
    }
}
