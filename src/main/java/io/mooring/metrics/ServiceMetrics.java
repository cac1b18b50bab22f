package io.mooring.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.mooring.attachment.AttachmentTransitions;
import io.mooring.boot.PostgresSupervisor;
import io.mooring.export.TargetEngineExporter;
import io.mooring.space.SpaceMonitor;
import io.prometheus.client.Collector;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;

/**
 * What {@code /q/metrics} shows of Mooring itself, next to Quarkus' own meters (HTTP server, JVM, the reactive
 * PostgreSQL pool): the iSCSI target ({@link EngineCollector}), attachment transitions, the embedded PostgreSQL's
 * supervisor state and the data directory's filesystem. All of it is read when scraped; nothing here touches the
 * database, so a scrape works during a database outage.
 */
@ApplicationScoped
public class ServiceMetrics {

    /** A path segment that names something: a UUID, a project id (hex) or a number. */
    private static final Pattern ID_SEGMENT = Pattern.compile("(?<=/)(?:[0-9a-fA-F-]{8,}|\\d+)(?=/|$)");

    void register(@Observes StartupEvent started, MeterRegistry meters, PrometheusMeterRegistry prometheus,
                  TargetEngineExporter exporter, SpaceMonitor space) {
        prometheus.getPrometheusRegistry().register(new EngineCollector(exporter::engine));
        prometheus.getPrometheusRegistry().register(new TransitionsCollector());
        PostgresSupervisor.embedded().ifPresent(supervisor -> {
            for (PostgresSupervisor.State state : PostgresSupervisor.State.values()) {
                Gauge.builder("mooring.database.state", supervisor, s -> s.state() == state ? 1 : 0)
                        .description("The embedded PostgreSQL's supervisor state: 1 for the current one")
                        .tag("state", state.name().toLowerCase(Locale.ROOT))
                        .register(meters);
            }
        });
        spaceGauge(meters, space, "mooring.data.dir.size", "Size of the data directory's filesystem",
                s -> s.last().totalBytes());
        spaceGauge(meters, space, "mooring.data.dir.free", "Free space of the data directory's filesystem (usable by Mooring)",
                s -> s.last().usableBytes());
        spaceGauge(meters, space, "mooring.data.dir.reserve", "Room held back for PostgreSQL's WAL (0 while released)",
                SpaceMonitor::reserveBytes);
        Gauge.builder("mooring.data.dir.low.space", space, s -> s.low() ? 1 : 0)
                .description("1 while the appliance is in its low-space state")
                .register(meters);
    }

    private static void spaceGauge(MeterRegistry meters, SpaceMonitor space, String name, String description,
                                   ToDoubleFunction<SpaceMonitor> value) {
        Gauge.builder(name, space, s -> s.last() == null ? Double.NaN : value.applyAsDouble(s))
                .description(description)
                .baseUnit("bytes")
                .register(meters);
    }

    /**
     * HTTP server metrics are labelled by route template. A request answered before any route matched (a 401, or a
     * 503 while the database is down) is labelled by its path instead: the ids in it are replaced, so that no id
     * ever becomes a label value.
     */
    @Produces
    @Singleton
    MeterFilter noIdsInUris() {
        return MeterFilter.replaceTagValues("uri", ServiceMetrics::withoutIds);
    }

    static String withoutIds(String uri) {
        return ID_SEGMENT.matcher(uri).replaceAll("{id}");
    }

    /** {@code mooring_attachment_transitions_total{from,to}}: from {@link AttachmentTransitions}' counts. */
    static final class TransitionsCollector extends Collector {

        private static final List<String> LABELS = List.of("from", "to");

        @Override
        public List<MetricFamilySamples> collect() {
            List<MetricFamilySamples.Sample> samples = new ArrayList<>();
            for (Map.Entry<AttachmentTransitions.Transition, Long> entry : AttachmentTransitions.counts().entrySet()) {
                samples.add(new MetricFamilySamples.Sample("mooring_attachment_transitions_total", LABELS,
                        List.of(entry.getKey().from(), entry.getKey().to()), entry.getValue()));
            }
            return List.of(new MetricFamilySamples("mooring_attachment_transitions", Type.COUNTER,
                    "Attachment status changes written, by from and to status", samples));
        }
    }
}
