package io.mooring.space;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpaceReserveTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path dataDir;

    @Test
    void holdsReallyAllocatedBlocksAndReleasesThem() throws Exception {
        SpaceReserve reserve = new SpaceReserve(dataDir, 8 * MIB);
        assertThat(reserve.held()).isFalse();
        reserve.hold();
        Path file = dataDir.resolve(SpaceReserve.FILE_NAME);
        assertThat(reserve.held()).isTrue();
        assertThat(Files.size(file)).isEqualTo(8 * MIB);
        assertThat(allocatedBytes(file)).as("not sparse").isGreaterThanOrEqualTo(8 * MIB);
        assertThat(dataDir.resolve(SpaceReserve.FILE_NAME + ".tmp")).doesNotExist();
        reserve.release();
        assertThat(file).doesNotExist();
        assertThat(reserve.held()).isFalse();
    }

    @Test
    void aShortReserveLeftByACrashIsNotHeld() throws Exception {
        Files.write(dataDir.resolve(SpaceReserve.FILE_NAME), new byte[4096]);
        SpaceReserve reserve = new SpaceReserve(dataDir, 8 * MIB);
        assertThat(reserve.held()).isFalse();
        reserve.hold();
        assertThat(reserve.held()).isTrue();
        assertThat(new SpaceReserve(dataDir, 0).held()).as("a zero reserve is always held").isTrue();
    }

    private static long allocatedBytes(Path file) throws Exception {
        Process stat = new ProcessBuilder(List.of("stat", "-c", "%b %B", file.toString())).start();
        String[] blocks = new String(stat.getInputStream().readAllBytes()).trim().split(" ");
        stat.waitFor();
        return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
    }
}
