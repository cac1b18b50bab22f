package io.mooring.volume;

import java.util.List;
import java.util.Map;

/** How many volumes, how many GiB, and every distinct metadata value by key (3.12 / 3.36 volume summary, used limits). */
public record VolumeSummary(long count, long totalGib, Map<String, List<String>> metadata) {
}
