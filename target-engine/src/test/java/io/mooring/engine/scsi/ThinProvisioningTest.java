package io.mooring.engine.scsi;

import static io.mooring.engine.scsi.ScsiFixture.BLOCK;
import static io.mooring.engine.scsi.ScsiFixture.NEXUS_A;
import static io.mooring.engine.scsi.ScsiFixture.cdb10;
import static io.mooring.engine.scsi.ScsiFixture.cdb16;
import static io.mooring.engine.scsi.ScsiFixture.filled;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.Processes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UNMAP and WRITE SAME with UNMAP give space back to the filesystem (the file's allocated blocks, as {@code stat}
 * counts them, shrink) where it punches holes — the temp directory's filesystem here (ext4 or tmpfs) — and the LU
 * reports thin provisioning; on ramfs, which cannot punch holes, zeros are written and the LU says it is fully
 * provisioned.
 */
class ThinProvisioningTest {

    private static final int MIB_BLOCKS = (1 << 20) / BLOCK;

    @TempDir
    Path dir;
    ScsiFixture scsi;
    Path ramfs;

    @AfterEach
    void tearDown() throws Exception {
        if (scsi != null) {
            scsi.close();
        }
        if (ramfs != null) {
            Processes.run(30, "umount", ramfs.toString());
        }
    }

    @Test
    void unmapPunchesHolesThatReadAsZerosAndGetLbaStatusFindsThem() throws Exception {
        open(dir, 16 * MIB_BLOCKS);
        writeAndSync(0, 4 * MIB_BLOCKS, 0x5a);
        long written = allocatedBytes(scsi.file);
        assertThat(written).as("4 MiB written").isGreaterThanOrEqualTo(4L << 20);

        assertThat(unmap(MIB_BLOCKS, 2 * MIB_BLOCKS).status()).isZero();
        assertThat(allocatedBytes(scsi.file)).as("2 MiB given back").isLessThanOrEqualTo(written - (2L << 20));
        assertThat(scsi.run(cdb10(0x28, 0, MIB_BLOCKS, 16)).data()).isEqualTo(new byte[16 * BLOCK]);
        assertThat(scsi.run(cdb10(0x28, 0, MIB_BLOCKS - 1, 1)).data()).isEqualTo(filled(BLOCK, 0x5a));
        assertThat(scsi.run(cdb10(0x28, 0, 3 * MIB_BLOCKS, 1)).data()).isEqualTo(filled(BLOCK, 0x5a));
        long[] first = lbaStatus(0);
        assertThat(first).as("mapped first MiB").containsExactly(0, MIB_BLOCKS, 0);
        assertThat(lbaStatus(MIB_BLOCKS)).as("the punched range").containsExactly(MIB_BLOCKS, 2 * MIB_BLOCKS, 1);
        assertThat(lbaStatus(3 * MIB_BLOCKS)).containsExactly(3 * MIB_BLOCKS, MIB_BLOCKS, 0);
    }

    @Test
    void writeSameWithUnmapPunchesHolesToo() throws Exception {
        open(dir, 16 * MIB_BLOCKS);
        writeAndSync(0, 4 * MIB_BLOCKS, 0x77);
        long written = allocatedBytes(scsi.file);
        int[] writeSame16 = cdb16(0x93, 0x08, 0, 2 * MIB_BLOCKS);
        assertThat(scsi.run(NEXUS_A, new byte[BLOCK], writeSame16).status()).isZero();
        assertThat(allocatedBytes(scsi.file)).isLessThanOrEqualTo(written - (1L << 20));
        assertThat(scsi.run(cdb10(0x28, 0, 2 * MIB_BLOCKS - 8, 8)).data()).isEqualTo(new byte[8 * BLOCK]);
        assertThat(scsi.run(cdb10(0x28, 0, 2 * MIB_BLOCKS, 1)).data()).isEqualTo(filled(BLOCK, 0x77));
        assertThat(lbaStatus(0)).containsExactly(0, 2 * MIB_BLOCKS, 1);
    }

    @Test
    void writeSameOfZerosWithoutUnmapKeepsTheRangeMapped() throws Exception {
        open(dir, 16 * MIB_BLOCKS);
        long empty = allocatedBytes(scsi.file);
        assertThat(scsi.run(NEXUS_A, new byte[BLOCK], cdb16(0x93, 0, 0, MIB_BLOCKS)).status()).isZero();
        int[] noDataOut = cdb16(0x93, 0x01, MIB_BLOCKS, MIB_BLOCKS);
        assertThat(scsi.run(noDataOut).status()).as("NDOB").isZero();
        assertThat(scsi.run(cdb10(0x35, 0, 0, 0)).status()).isZero();
        assertThat(allocatedBytes(scsi.file)).as("2 MiB of zeros really written")
                .isGreaterThanOrEqualTo(empty + (2L << 20));
        assertThat(lbaStatus(0)).containsExactly(0, 2 * MIB_BLOCKS, 0);
        assertThat(scsi.run(cdb10(0x28, 0, MIB_BLOCKS - 4, 8)).data()).isEqualTo(new byte[8 * BLOCK]);
    }

    @Test
    void aFilesystemThatPunchesHolesIsReportedThin() throws Exception {
        open(dir, 16 * MIB_BLOCKS);
        assertThat(readCapacity16()[14] & 0xc0).as("LBPME, LBPRZ").isEqualTo(0xc0);
        byte[] provisioning = scsi.run(0x12, 0x01, 0xb2, 0, 255, 0).data();
        assertThat(provisioning[5] & 0xff).as("LBPU, LBPWS, LBPWS10, LBPRZ").isEqualTo(0xe4);
        assertThat(provisioning[6] & 0x07).as("thin provisioned").isEqualTo(0x02);
        ByteBuffer limits = ByteBuffer.wrap(scsi.run(0x12, 0x01, 0xb0, 0, 255, 0).data());
        assertThat(limits.getInt(20)).as("MAXIMUM UNMAP LBA COUNT").isPositive();
    }

    @Test
    void onRamfsTheLuReportsFullProvisioningAndRefusesDeallocation() throws Exception {
        ramfs = Files.createDirectory(dir.resolve("ramfs"));
        Processes.Result mounted = Processes.run(30, "mount", "-t", "ramfs", "ramfs", ramfs.toString());
        if (mounted.exit() != 0) {
            ramfs = null;
        }
        Assumptions.assumeTrue(ramfs != null, "cannot mount a ramfs (needs root): " + mounted.output());
        open(ramfs, 4 * MIB_BLOCKS);
        assertThat(readCapacity16()[14] & 0xc0).as("LBPME, LBPRZ").isZero();
        byte[] provisioning = scsi.run(0x12, 0x01, 0xb2, 0, 255, 0).data();
        assertThat(provisioning[5] & 0xff).as("no deallocation offered").isZero();
        assertThat(provisioning[6] & 0x07).as("fully provisioned").isZero();
        ByteBuffer limits = ByteBuffer.wrap(scsi.run(0x12, 0x01, 0xb0, 0, 255, 0).data());
        assertThat(limits.getInt(20)).as("MAXIMUM UNMAP LBA COUNT").isZero();

        writeAndSync(0, 64, 0x5a);
        ScsiFixture.Result unmapped = unmap(8, 16);
        assertThat(unmapped.status()).as("UNMAP on a fully provisioned LU").isEqualTo(2);
        assertThat(unmapped.sense()).as("INVALID COMMAND OPERATION CODE").containsExactly(0x05, 0x20, 0x00);
        int[] writeSameUnmap = cdb16(0x93, 0x08, 8, 16);
        ScsiFixture.Result refused = scsi.run(NEXUS_A, new byte[BLOCK], writeSameUnmap);
        assertThat(refused.status()).as("WRITE SAME(16) with UNMAP on a fully provisioned LU").isEqualTo(2);
        assertThat(refused.sense()).as("INVALID FIELD IN CDB").containsExactly(0x05, 0x24, 0x00);
        assertThat(refused.senseBytes()[15] & 0xff).as("SKSV, C/D, BPV, bit 3").isEqualTo(0xc0 | 0x08 | 3);
        assertThat(refused.senseBytes()[17]).as("byte 1").isEqualTo((byte) 1);
        assertThat(scsi.run(cdb10(0x28, 0, 8, 16)).data()).as("nothing changed").isEqualTo(filled(16 * BLOCK, 0x5a));
        assertThat(lbaStatus(0)).as("every block mapped").containsExactly(0, 4 * MIB_BLOCKS, 0);
    }

    private void open(Path where, long blocks) throws IOException {
        scsi = new ScsiFixture(where, blocks);
        scsi.clearUnitAttention(NEXUS_A);
    }

    private void writeAndSync(long lba, int blocks, int value) {
        for (int done = 0; done < blocks; done += MIB_BLOCKS) {
            int part = Math.min(MIB_BLOCKS, blocks - done);
            assertThat(scsi.run(NEXUS_A, filled(part * BLOCK, value), cdb10(0x2a, 0, lba + done, part)).status())
                    .isZero();
        }
        assertThat(scsi.run(cdb10(0x35, 0, 0, 0)).status()).as("SYNCHRONIZE CACHE").isZero();
    }

    private ScsiFixture.Result unmap(long lba, int blocks) {
        byte[] list = new byte[24];
        ByteBuffer.wrap(list).putShort(0, (short) 22).putShort(2, (short) 16).putLong(8, lba).putInt(16, blocks);
        return scsi.run(NEXUS_A, list, 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0);
    }

    private byte[] readCapacity16() {
        int[] cdb = cdb16(0x9e, 0x10, 0, 0);
        cdb[13] = 32;
        return scsi.run(cdb).data();
    }

    /** The first GET LBA STATUS descriptor from {@code lba}: {lba, blocks, provisioning status}. */
    private long[] lbaStatus(long lba) {
        int[] cdb = cdb16(0x9e, 0x12, lba, 0);
        cdb[13] = 24;
        ByteBuffer d = ByteBuffer.wrap(scsi.run(cdb).data());
        return new long[] {d.getLong(8), d.getInt(16) & 0xffffffffL, d.get(20) & 0x0f};
    }

    /** What {@code stat} counts as allocated: %b blocks of %B bytes. */
    private static long allocatedBytes(Path file) throws Exception {
        Processes.Result stat = Processes.run(30, "stat", "-c", "%b %B", file.toString());
        assertThat(stat.exit()).as("stat: " + stat.output()).isZero();
        String[] fields = stat.output().trim().split(" ");
        return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
    }
}
