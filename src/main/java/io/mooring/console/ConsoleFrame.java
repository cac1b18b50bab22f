package io.mooring.console;

import java.time.Instant;
import java.util.List;

/**
 * One second of the console: the engine's part (sessions, per-volume I/O rates) always, the database's part (volumes,
 * attachments) only when the database answered, else null.
 */
public record ConsoleFrame(Instant time, boolean databaseAvailable, List<VolumeRow> volumes,
                           List<AttachmentRow> attachments, List<SessionRow> sessions, List<VolumeRates> rates) {

    public record VolumeRow(String id, String projectId, String name, String status, String attachStatus, int sizeGib,
                            String volumeType, boolean multiattach) {
    }

    /** {@code sessions}: how many iSCSI sessions are logged in now with this attachment's CHAP account. */
    public record AttachmentRow(String id, String projectId, String volumeId, String status, String host,
                                String initiator, String mode, String instance, int sessions) {
    }

    /** {@code attachmentId} is null while the database cannot say which attachment the session's CHAP account is. */
    public record SessionRow(String volumeId, String attachmentId, String initiator, String remoteAddress, String isid,
                             int tsih, long commands, long bytesIn, long bytesOut) {
    }

    /** Per second over the last tick, from the LUN's counters; latencies are the means of the tick's reads and writes. */
    public record VolumeRates(String volumeId, double iops, double readMibPerSecond, double writeMibPerSecond,
                              double readLatencyMillis, double writeLatencyMillis) {
    }
}
