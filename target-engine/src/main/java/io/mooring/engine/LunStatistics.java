package io.mooring.engine;

import io.mooring.engine.scsi.lun.LunCounters;

/**
 * The counters of one mapped LUN at one moment.
 *
 * @param deviceId what the LUN was mapped with (the volume id)
 */
public record LunStatistics(String targetIqn, long lun, String deviceId, LunCounters.Snapshot counters) {
}
