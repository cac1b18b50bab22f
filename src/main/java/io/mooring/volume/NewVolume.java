package io.mooring.volume;

import java.util.Map;

/**
 * A validated volume-create request. {@code volumeType} is a type name or id, null for the default type; {@code userId}
 * is the user asking.
 */
public record NewVolume(String name, String description, int sizeGib, String volumeType, Map<String, String> metadata, String userId) {
}
