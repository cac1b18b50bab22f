package io.mooring.engine;

import java.time.Instant;

/**
 * A snapshot of one logged-in normal session.
 *
 * @param isid          the initiator session id as 12 hex digits
 * @param remoteAddress "host:port" of the initiator's connection
 * @param commands      SCSI commands completed
 * @param bytesIn       write data received
 * @param bytesOut      read data sent
 * @param errors        commands that ended in CHECK CONDITION or failed, plus protocol errors
 * @param loggedInAt    when its login completed (its age is now minus this)
 */
public record SessionInfo(String targetIqn, String initiatorName, String isid, int tsih, String chapUser,
                          String remoteAddress, long commands, long bytesIn, long bytesOut, long errors,
                          Instant loggedInAt) {
}
