package io.mooring.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mooring.attachment.AttachmentSpec;
import io.mooring.attachment.VolumeAttachment;
import io.mooring.boot.PostgresSupervisor;
import io.mooring.engine.LunStatistics;
import io.mooring.engine.SessionInfo;
import io.mooring.engine.TargetEngine;
import io.mooring.engine.scsi.lun.LunCounters;
import io.mooring.export.TargetEngineExporter;
import io.mooring.health.DatabaseAvailability;
import io.mooring.volume.Volume;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The console's live feed: one sample a second, shared by every open console (one database read per second however
 * many watch, none while nobody does). Per-volume rates are the differences of the engine's LUN counters between two
 * samples. While the database cannot be read the frames keep the engine's part and say so; nothing is logged per tick
 * (an outage is the supervisor's to log; an unexpected failure is logged once until a read succeeds again).
 */
@ApplicationScoped
public class ConsoleFeed {

    private static final Logger LOG = Logger.getLogger(ConsoleFeed.class);
    private static final Duration TICK = Duration.ofSeconds(1);
    /** Under one tick: a database that hangs (stopped, disk stalled) delays no frame. */
    private static final Duration DATABASE_WAIT = Duration.ofMillis(700);
    private static final double MIB = 1 << 20;
    private static final String TARGET_VOLUME = ":volume-";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TargetEngineExporter exporter;
    private final BroadcastProcessor<ConsoleFrame> frames = BroadcastProcessor.create();
    private final AtomicInteger watchers = new AtomicInteger();
    private ScheduledExecutorService ticker;

    // written by the ticker thread only
    private Map<String, LunCounters.Snapshot> previousCounters;
    private long previousNanos;
    private boolean failureLogged;

    public ConsoleFeed(TargetEngineExporter exporter) {
        this.exporter = exporter;
    }

    @PostConstruct
    void start() {
        ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "mooring-console-feed");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleAtFixedRate(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A frame every second from now on, until the subscriber cancels. */
    public Multi<ConsoleFrame> frames() {
        return frames.onSubscription().invoke(watchers::incrementAndGet)
                .onTermination().invoke(watchers::decrementAndGet);
    }

    @PreDestroy
    void stop() {
        ticker.shutdownNow();
        frames.onComplete();
    }

    private void tick() {
        try {
            TargetEngine engine = exporter.engine();
            List<SessionInfo> sessions = engine == null ? List.of() : engine.sessions();
            List<ConsoleFrame.VolumeRates> rates = rates(engine == null ? Map.of() : engine.lunStatistics().stream()
                    .collect(Collectors.toMap(LunStatistics::deviceId, LunStatistics::counters, (first, second) -> first)), System.nanoTime());
            if (watchers.get() > 0) {
                frames.onNext(frame(sessions, rates));
            }
        } catch (RuntimeException e) {
            // the ticker must outlive any one bad sample (a scheduled task that throws is never run again)
            logOnce(e);
        }
    }

    private ConsoleFrame frame(List<SessionInfo> sessions, List<ConsoleFrame.VolumeRates> rates) {
        DatabaseView database = readDatabase();
        Map<String, String> attachmentByChapUser = database == null ? Map.of() : database.attachmentByChapUser();
        List<ConsoleFrame.SessionRow> sessionRows = sessions.stream()
                .map(s -> new ConsoleFrame.SessionRow(volumeIdOf(s.targetIqn()), attachmentByChapUser.get(s.chapUser()),
                        s.initiatorName(), s.remoteAddress(), s.isid(), s.tsih(), s.commands(), s.bytesIn(), s.bytesOut()))
                .toList();
        List<ConsoleFrame.AttachmentRow> attachments = null;
        if (database != null) {
            Map<String, Long> sessionsPerAttachment = sessionRows.stream().filter(s -> s.attachmentId() != null)
                    .collect(Collectors.groupingBy(ConsoleFrame.SessionRow::attachmentId, Collectors.counting()));
            attachments = database.attachments().stream().map(a -> new ConsoleFrame.AttachmentRow(a.id(), a.projectId(),
                    a.volumeId(), a.status(), a.host(), a.initiator(), a.mode(), a.instance(),
                    sessionsPerAttachment.getOrDefault(a.id(), 0L).intValue())).toList();
        }
        return new ConsoleFrame(Instant.now(), database != null, database == null ? null : database.volumes(),
                attachments, sessionRows, rates);
    }

    /**
     * Rates since the previous sample. A LUN seen for the first time was mapped since (its counters start at zero); one
     * whose counters went down was mapped again; the very first sample has no baseline and says zero.
     */
    private List<ConsoleFrame.VolumeRates> rates(Map<String, LunCounters.Snapshot> counters, long nanos) {
        Map<String, LunCounters.Snapshot> previous = previousCounters;
        double seconds = previous == null ? 1 : Math.max(1e-3, (nanos - previousNanos) / 1e9);
        previousCounters = counters;
        previousNanos = nanos;
        return counters.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(entry -> {
            LunCounters.Snapshot now = entry.getValue();
            LunCounters.Snapshot before = previous == null ? now : previous.get(entry.getKey());
            if (before != null && now.commands() < before.commands()) {
                before = null;
            }
            return new ConsoleFrame.VolumeRates(entry.getKey(),
                    (now.commands() - (before == null ? 0 : before.commands())) / seconds,
                    (now.bytesRead() - (before == null ? 0 : before.bytesRead())) / MIB / seconds,
                    (now.bytesWritten() - (before == null ? 0 : before.bytesWritten())) / MIB / seconds,
                    meanMillis(now, before, LunCounters.Op.READ), meanMillis(now, before, LunCounters.Op.WRITE));
        }).toList();
    }

    /** Mean latency in milliseconds of the {@code op} commands completed since {@code before} (null: since mapping); 0 when none did. */
    private static double meanMillis(LunCounters.Snapshot now, LunCounters.Snapshot before, LunCounters.Op op) {
        long count = now.latency(op).count() - (before == null ? 0 : before.latency(op).count());
        long nanos = now.latency(op).sumNanos() - (before == null ? 0 : before.latency(op).sumNanos());
        return count <= 0 ? 0 : nanos / 1e6 / count;
    }

    /** The database's part, or null when it cannot be read now (down, restarting, or not answering in time). */
    private DatabaseView readDatabase() {
        if (DatabaseAvailability.supervisor().map(s -> s.state() != PostgresSupervisor.State.UP).orElse(false)) {
            return null;
        }
        try {
            DatabaseView view = VertxContextSupport.subscribeAndAwait(
                    () -> databaseView().ifNoItem().after(DATABASE_WAIT).fail());
            failureLogged = false;
            return view;
        } catch (Throwable e) {
            if (!DatabaseAvailability.isUnavailable(e) && !(e instanceof TimeoutException)) {
                logOnce(e);
            }
            return null;
        }
    }

    private void logOnce(Throwable e) {
        if (!failureLogged) {
            failureLogged = true;
            LOG.errorf(e, "The console feed could not read the appliance's state (logged once until it can again)");
        }
    }

    private static Uni<DatabaseView> databaseView() {
        return Panache.withSession(() -> Volume.<Volume>list("order by createdAt").chain(volumes ->
                VolumeAttachment.<VolumeAttachment>list("deleted = false order by createdAt").chain(attachments -> {
                    List<UUID> ids = attachments.stream().map(a -> a.id).toList();
                    Uni<List<AttachmentSpec>> initiators = ids.isEmpty() ? Uni.createFrom().item(List.of())
                            : AttachmentSpec.list("attachmentId in ?1 and key = 'initiator'", ids);
                    return initiators.map(specs -> DatabaseView.of(volumes, attachments, specs));
                })));
    }

    private static String volumeIdOf(String targetIqn) {
        int at = targetIqn.lastIndexOf(TARGET_VOLUME);
        return at < 0 ? null : targetIqn.substring(at + TARGET_VOLUME.length());
    }

    private record AttachmentData(String id, String projectId, String volumeId, String status, String host,
                                  String initiator, String mode, String instance, String chapUser) {
    }

    private record DatabaseView(List<ConsoleFrame.VolumeRow> volumes, List<AttachmentData> attachments) {

        static DatabaseView of(List<Volume> volumes, List<VolumeAttachment> attachments, List<AttachmentSpec> initiators) {
            Map<UUID, String> initiatorOf = new HashMap<>();
            initiators.forEach(spec -> initiatorOf.put(spec.attachmentId, jsonText(spec.value)));
            return new DatabaseView(
                    volumes.stream().map(v -> new ConsoleFrame.VolumeRow(v.id.toString(), v.projectId, v.name, v.status,
                            v.attachStatus, v.size, v.volumeType.name, v.multiattach)).toList(),
                    attachments.stream().map(a -> new AttachmentData(a.id.toString(), a.projectId, a.volumeId.toString(),
                            a.attachStatus, a.attachedHost, initiatorOf.get(a.id), a.attachMode, a.instanceUuid, a.chapUser)).toList());
        }

        Map<String, String> attachmentByChapUser() {
            return attachments.stream().filter(a -> a.chapUser() != null)
                    .collect(Collectors.toMap(AttachmentData::chapUser, AttachmentData::id, (a, b) -> a));
        }
    }

    /** A connector value as stored (a JSON document): an initiator name is a JSON string. */
    private static String jsonText(String json) {
        try {
            return JSON.readTree(json).asText();
        } catch (java.io.IOException e) {
            return json;
        }
    }
}
