package io.mooring.volume;

import java.util.Map;

/**
 * A volume update (PUT volume): which of name and description the request set (null clears them, as in Cinder), and
 * the metadata that replaces the volume's, or null to leave it.
 */
public record VolumeEdit(boolean setsName, String name, boolean setsDescription, String description, Map<String, String> metadata) {
}
