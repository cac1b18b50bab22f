package io.mooring.engine;

import io.mooring.engine.iscsi.node.LoginCounters;

/**
 * The login outcomes of one target at one moment.
 *
 * @param targetIqn the target, or {@code null} for logins that reached none (discovery, unknown or missing names)
 */
public record LoginStatistics(String targetIqn, LoginCounters.Snapshot counters) {
}
