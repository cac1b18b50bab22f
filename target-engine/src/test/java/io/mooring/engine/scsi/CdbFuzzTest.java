package io.mooring.engine.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random CDBs and parameter lists, mostly for supported opcodes: every command must end in a well-formed
 * status, never an internal failure or an exception. A failure message carries the seed and iteration to replay.
 */
class CdbFuzzTest {

    private static final long SEED = Long.getLong("scsi.fuzz.seed", 0x5eed_2026L);
    private static final int ITERATIONS = 20_000;

    @TempDir
    Path dir;
    ScsiFixture scsi;

    @BeforeEach
    void setUp() throws Exception {
        scsi = new ScsiFixture(dir, 4096);
    }

    @AfterEach
    void tearDown() {
        scsi.close();
    }

    @Test
    void randomCommandsAlwaysEndInAWellFormedStatus() {
        Random random = new Random(SEED);
        List<ScsiOp> ops = CommandTable.all();
        ItNexus[] nexuses = {ScsiFixture.NEXUS_A, ScsiFixture.NEXUS_B};
        for (int i = 0; i < ITERATIONS; i++) {
            int[] cdb = new int[16];
            for (int b = 0; b < cdb.length; b++) {
                cdb[b] = random.nextInt(8) == 0 ? 0xff : random.nextInt(4) == 0 ? random.nextInt(256) : 0;
            }
            if (random.nextInt(10) != 0) {
                ScsiOp op = ops.get(random.nextInt(ops.size()));
                cdb[0] = op.opcode();
                if (op.hasServiceAction()) {
                    cdb[1] = (cdb[1] & 0xe0) | op.serviceAction();
                }
            } else {
                cdb[0] = random.nextInt(256);
            }
            byte[] dataOut = null;
            if (random.nextBoolean()) {
                dataOut = new byte[random.nextInt(4) == 0 ? random.nextInt(40) : 512 * random.nextInt(3)];
                random.nextBytes(dataOut);
            }
            String replay = "seed " + SEED + " iteration " + i + " cdb " + java.util.Arrays.toString(cdb);
            ScsiFixture.Result r = scsi.run(nexuses[random.nextInt(2)], random.nextInt(8) == 0 ? 3 : 0,
                    random.nextInt(8) == 0, dataOut, cdb);
            assertThat(r.status()).as(replay).isIn(ScsiResponse.GOOD, ScsiResponse.CHECK_CONDITION,
                    ScsiResponse.RESERVATION_CONFLICT);
            if (r.status() == ScsiResponse.CHECK_CONDITION) {
                assertThat(r.senseBytes()).as(replay).hasSize(18);
                assertThat(r.sense()[0]).as(replay + " internal failure").isNotEqualTo(0x4);
            }
        }
    }
}
