package io.mooring.metrics;

import io.mooring.engine.LoginStatistics;
import io.mooring.engine.LunStatistics;
import io.mooring.engine.SessionInfo;
import io.mooring.engine.TargetEngine;
import io.mooring.engine.iscsi.node.LoginCounters;
import io.mooring.engine.scsi.lun.LatencyHistogram;
import io.mooring.engine.scsi.lun.LunCounters;
import io.prometheus.client.Collector;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The iSCSI target's counters, read from the engine's snapshots at scrape time: LUNs, sessions and targets come and
 * go with attachments, so nothing is registered per volume and a gone one simply stops appearing. Latencies are
 * real Prometheus histograms built from the engine's own buckets. Every label value is either one the service chose
 * (volume id, target IQN) or one of a fixed set (operation, sense key, login failure reason); the initiator name of
 * a session that logged in is one its grant admits.
 */
final class EngineCollector extends Collector {

    private static final LunCounters.Op[] OPS = LunCounters.Op.values();
    private static final LoginCounters.FailureReason[] REASONS = LoginCounters.FailureReason.values();
    private static final long[] BOUNDS_NANOS = LatencyHistogram.boundsNanos();
    private static final String[] BOUND_LABELS = new String[BOUNDS_NANOS.length + 1];
    /** SPC-4 sense keys, as label values. */
    private static final String[] SENSE_KEYS = {
        "no_sense", "recovered_error", "not_ready", "medium_error", "hardware_error", "illegal_request",
        "unit_attention", "data_protect", "blank_check", "vendor_specific", "copy_aborted", "aborted_command",
        "reserved_0c", "volume_overflow", "miscompare", "completed",
    };
    private static final List<String> VOLUME = List.of("volume_id");
    private static final List<String> VOLUME_OP = List.of("volume_id", "op");
    private static final List<String> VOLUME_OP_LE = List.of("volume_id", "op", "le");
    private static final List<String> VOLUME_SENSE_KEY = List.of("volume_id", "sense_key");
    private static final List<String> SESSION = List.of("initiator", "target", "isid");
    private static final List<String> SESSION_DIRECTION = List.of("initiator", "target", "isid", "direction");
    private static final List<String> TARGET = List.of("target");
    private static final List<String> TARGET_REASON = List.of("target", "reason");

    static {
        for (int i = 0; i < BOUNDS_NANOS.length; i++) {
            BOUND_LABELS[i] = Collector.doubleToGoString(BOUNDS_NANOS[i] / 1e9);
        }
        BOUND_LABELS[BOUNDS_NANOS.length] = "+Inf";
    }

    private final Supplier<TargetEngine> engine;

    EngineCollector(Supplier<TargetEngine> engine) {
        this.engine = engine;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        TargetEngine target = engine.get();
        List<LunStatistics> luns = target == null ? List.of() : target.lunStatistics();
        List<SessionInfo> sessions = target == null ? List.of() : target.sessions();
        List<LoginStatistics> logins = target == null ? List.of() : target.loginStatistics();
        List<MetricFamilySamples> out = new ArrayList<>();
        lunFamilies(luns, out);
        sessionFamilies(sessions, out);
        loginFamilies(logins, out);
        return out;
    }

    private static void lunFamilies(List<LunStatistics> luns, List<MetricFamilySamples> out) {
        List<MetricFamilySamples.Sample> commands = new ArrayList<>();
        List<MetricFamilySamples.Sample> bytes = new ArrayList<>();
        List<MetricFamilySamples.Sample> latency = new ArrayList<>();
        List<MetricFamilySamples.Sample> queueDepth = new ArrayList<>();
        List<MetricFamilySamples.Sample> errors = new ArrayList<>();
        for (LunStatistics lun : luns) {
            String volume = lun.deviceId();
            LunCounters.Snapshot counters = lun.counters();
            for (LunCounters.Op op : OPS) {
                String opLabel = op.name().toLowerCase(Locale.ROOT);
                LatencyHistogram.Snapshot histogram = counters.latency(op);
                List<String> labels = List.of(volume, opLabel);
                commands.add(new MetricFamilySamples.Sample("mooring_lun_commands_total", VOLUME_OP, labels, histogram.count()));
                long cumulative = 0;
                long[] buckets = histogram.bucketCounts();
                for (int i = 0; i < buckets.length; i++) {
                    cumulative += buckets[i];
                    latency.add(new MetricFamilySamples.Sample("mooring_lun_latency_seconds_bucket", VOLUME_OP_LE,
                            List.of(volume, opLabel, BOUND_LABELS[i]), cumulative));
                }
                latency.add(new MetricFamilySamples.Sample("mooring_lun_latency_seconds_count", VOLUME_OP, labels, histogram.count()));
                latency.add(new MetricFamilySamples.Sample("mooring_lun_latency_seconds_sum", VOLUME_OP, labels, histogram.sumNanos() / 1e9));
            }
            bytes.add(new MetricFamilySamples.Sample("mooring_lun_bytes_total", VOLUME_OP, List.of(volume, "read"), counters.bytesRead()));
            bytes.add(new MetricFamilySamples.Sample("mooring_lun_bytes_total", VOLUME_OP, List.of(volume, "write"), counters.bytesWritten()));
            queueDepth.add(new MetricFamilySamples.Sample("mooring_lun_queue_depth", VOLUME, List.of(volume), counters.inFlight()));
            long[] bySenseKey = counters.errorsBySenseKey();
            for (int key = 0; key < bySenseKey.length; key++) {
                if (bySenseKey[key] != 0) { // most never happen: a series appears with its first failure
                    errors.add(new MetricFamilySamples.Sample("mooring_lun_errors_total", VOLUME_SENSE_KEY,
                            List.of(volume, SENSE_KEYS[key]), bySenseKey[key]));
                }
            }
        }
        out.add(new MetricFamilySamples("mooring_lun_commands", Type.COUNTER,
                "SCSI commands whose status was sent, by operation", commands));
        out.add(new MetricFamilySamples("mooring_lun_bytes", Type.COUNTER,
                "Bytes read from or written to the LUN's medium", bytes));
        out.add(new MetricFamilySamples("mooring_lun_latency_seconds", Type.HISTOGRAM,
                "From the SCSI Command PDU's arrival to its status handed to the connection", latency));
        out.add(new MetricFamilySamples("mooring_lun_queue_depth", Type.GAUGE,
                "Commands the LUN has taken whose status has not been sent yet", queueDepth));
        out.add(new MetricFamilySamples("mooring_lun_errors", Type.COUNTER,
                "Commands that ended in CHECK CONDITION (unit attentions aside), by sense key", errors));
    }

    private static void sessionFamilies(List<SessionInfo> sessions, List<MetricFamilySamples> out) {
        List<MetricFamilySamples.Sample> commands = new ArrayList<>();
        List<MetricFamilySamples.Sample> bytes = new ArrayList<>();
        List<MetricFamilySamples.Sample> errors = new ArrayList<>();
        List<MetricFamilySamples.Sample> age = new ArrayList<>();
        Instant now = Instant.now();
        for (SessionInfo session : sessions) {
            List<String> labels = List.of(session.initiatorName(), session.targetIqn(), session.isid());
            commands.add(new MetricFamilySamples.Sample("mooring_session_commands_total", SESSION, labels, session.commands()));
            bytes.add(new MetricFamilySamples.Sample("mooring_session_bytes_total", SESSION_DIRECTION,
                    List.of(session.initiatorName(), session.targetIqn(), session.isid(), "in"), session.bytesIn()));
            bytes.add(new MetricFamilySamples.Sample("mooring_session_bytes_total", SESSION_DIRECTION,
                    List.of(session.initiatorName(), session.targetIqn(), session.isid(), "out"), session.bytesOut()));
            errors.add(new MetricFamilySamples.Sample("mooring_session_errors_total", SESSION, labels, session.errors()));
            age.add(new MetricFamilySamples.Sample("mooring_session_age_seconds", SESSION, labels,
                    Duration.between(session.loggedInAt(), now).toMillis() / 1e3));
        }
        out.add(new MetricFamilySamples("mooring_session_commands", Type.COUNTER, "SCSI commands the session completed", commands));
        out.add(new MetricFamilySamples("mooring_session_bytes", Type.COUNTER,
                "Data the session wrote (in) and read (out)", bytes));
        out.add(new MetricFamilySamples("mooring_session_errors", Type.COUNTER,
                "Commands that failed and protocol errors of the session", errors));
        out.add(new MetricFamilySamples("mooring_session_age_seconds", Type.GAUGE, "Time since the session logged in", age));
    }

    private static void loginFamilies(List<LoginStatistics> logins, List<MetricFamilySamples> out) {
        List<MetricFamilySamples.Sample> successes = new ArrayList<>();
        List<MetricFamilySamples.Sample> failures = new ArrayList<>();
        for (LoginStatistics target : logins) {
            String name = target.targetIqn() == null ? "" : target.targetIqn(); // "": no target (discovery, unknown name)
            successes.add(new MetricFamilySamples.Sample("mooring_target_logins_total", TARGET, List.of(name),
                    target.counters().successes()));
            for (LoginCounters.FailureReason reason : REASONS) {
                long count = target.counters().failures(reason);
                if (count != 0) {
                    failures.add(new MetricFamilySamples.Sample("mooring_target_login_failures_total", TARGET_REASON,
                            List.of(name, reason.label()), count));
                }
            }
        }
        out.add(new MetricFamilySamples("mooring_target_logins", Type.COUNTER, "Logins that succeeded", successes));
        out.add(new MetricFamilySamples("mooring_target_login_failures", Type.COUNTER,
                "Logins refused, by the reason of their final Login Response", failures));
    }
}
