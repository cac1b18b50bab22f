package io.mooring.engine.iscsi;

import static io.mooring.engine.iscsi.TargetFixture.exchange;
import static io.mooring.engine.iscsi.TargetFixture.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.engine.EngineConfig;
import io.mooring.engine.TargetEngine;
import io.mooring.engine.scsi.bdev.FileBackend;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Live extend as initiators see it: two sessions (two I_T nexuses) on one LU whose file grows. Each nexus gets
 * CAPACITY DATA HAS CHANGED (6/2A/09) once, on its next command; READ CAPACITY then answers the new size, the new
 * space reads zeros, a write in flight across the change completes, and no session drops.
 */
class CapacityChangeTest {

    private static final int READ = 0xc0;   // F + R
    private static final int WRITE = 0xa0;  // F + W
    private static final int DATA_IN = 0x25;
    private static final int SCSI_RESPONSE = 0x21;
    private static final int R2T = 0x31;
    private static final long OLD_BLOCKS = TargetFixture.LUN_SIZE / 512;
    private static final long NEW_BLOCKS = 3 * OLD_BLOCKS;

    private TargetFixture fixture;
    private Session a;
    private Session b;

    /** One logged-in session and its own CmdSN (the fixture's login used CmdSN 1 for the POWER ON attention). */
    private static final class Session {
        final EmbeddedChannel channel;
        int cmdSn = 2;
        int itt = 0x100;

        Session(EmbeddedChannel channel) {
            this.channel = channel;
        }

        List<Received> command(int flags, int edtl, byte[] cdb, byte[] immediate) {
            return exchange(channel, Pdus.scsiCommand(flags, 0, itt++, edtl, cmdSn++, cdb, immediate));
        }

        /** {key, asc, ascq} of a CHECK CONDITION, or null for GOOD. */
        int[] status(List<Received> pdus) {
            Received last = pdus.get(pdus.size() - 1);
            int status = last.byteAt(3);
            if (status == 0) {
                return null;
            }
            assertThat(last.opcode()).isEqualTo(SCSI_RESPONSE);
            assertThat(status).as("CHECK CONDITION").isEqualTo(0x02);
            byte[] sense = Arrays.copyOfRange(last.data(), 2, last.data().length);
            return new int[] {sense[2] & 0x0f, sense[12] & 0xff, sense[13] & 0xff};
        }

        int[] testUnitReady() {
            return status(command(0x80, 0, new byte[6], null));
        }

        /** READ CAPACITY(16): the number of blocks, or fails on a CHECK CONDITION. */
        long capacity16() {
            byte[] data = dataIn(command(READ, 32, readCapacity16Cdb(), null));
            return readLong(data, 0) + 1;
        }

        long capacity10() {
            byte[] cdb = new byte[10];
            cdb[0] = 0x25;
            byte[] data = dataIn(command(READ, 8, cdb, null));
            return (readLong(data, 0) >>> 32) + 1;
        }

        byte[] read(int lba, int blocks) {
            return dataIn(command(READ, blocks * 512, Pdus.read10(lba, blocks), null));
        }

        private byte[] dataIn(List<Received> pdus) {
            assertThat(status(pdus)).as("GOOD").isNull();
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            pdus.stream().filter(r -> r.opcode() == DATA_IN).forEach(r -> data.writeBytes(r.data()));
            return data.toByteArray();
        }

        private static long readLong(byte[] data, int at) {
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = value << 8 | data[at + i] & 0xff;
            }
            return value;
        }
    }

    @BeforeEach
    void twoSessions() throws Exception {
        fixture = new TargetFixture();
        EmbeddedChannel first = fixture.channel();
        fixture.login(first);
        a = new Session(first);
        EmbeddedChannel second = fixture.channel();
        fixture.login(second, TargetFixture.INITIATOR_2, 0x400001370002L, "MaxRecvDataSegmentLength=8192", "ImmediateData=Yes",
                "InitialR2T=No", "MaxBurstLength=16384", "FirstBurstLength=8192", "MaxOutstandingR2T=2");
        b = new Session(second);
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void eachNexusHearsOfTheNewCapacityOnceAndReadCapacityAnswersIt() throws Exception {
        assertThat(a.capacity16()).isEqualTo(OLD_BLOCKS);
        assertThat(b.capacity10()).isEqualTo(OLD_BLOCKS);

        // B's write is in flight across the change: 8 KiB went with the command, the target asked for the rest
        byte[] written = new byte[16384];
        new Random(7).nextBytes(written);
        int writeTag = b.itt;
        List<Received> r2t = b.command(WRITE, written.length, Pdus.write10(0, written.length / 512), Arrays.copyOf(written, 8192));
        assertThat(r2t).singleElement().matches(r -> r.opcode() == R2T);

        grow(NEW_BLOCKS * 512);
        assertThat(fixture.node.device().capacityChanged(0)).as("the size changed").isTrue();
        assertThat(fixture.node.device().capacityChanged(0)).as("told again with nothing new: no second attention").isFalse();

        List<Received> done = exchange(b.channel, Pdus.dataOut(true, writeTag, r2t.get(0).intAt(20), 0, 8192,
                Arrays.copyOfRange(written, 8192, 16384)));
        assertThat(b.status(done)).as("the write in flight completes").isNull();

        assertThat(a.testUnitReady()).as("A's next command").containsExactly(0x6, 0x2a, 0x09);
        assertThat(a.testUnitReady()).as("reported once per nexus").isNull();
        assertThat(a.capacity10()).isEqualTo(NEW_BLOCKS);
        assertThat(a.capacity16()).isEqualTo(NEW_BLOCKS);

        assertThat(b.status(b.command(READ, 32, readCapacity16Cdb(), null))).as("B's next command, READ CAPACITY itself")
                .containsExactly(0x6, 0x2a, 0x09);
        assertThat(b.capacity16()).isEqualTo(NEW_BLOCKS);
        assertThat(b.testUnitReady()).isNull();

        assertThat(b.read(0, written.length / 512)).as("data written before reads back").isEqualTo(written);
        assertThat(a.read((int) OLD_BLOCKS, 16)).as("the new space reads zeros").isEqualTo(new byte[16 * 512]);
        assertThat(a.read((int) NEW_BLOCKS - 1, 1)).as("up to the new last block").isEqualTo(new byte[512]);
        assertThat(fixture.node.sessions()).as("no session dropped").hasSize(2);
        assertThat(a.channel.isActive() && b.channel.isActive()).isTrue();
    }

    @Test
    void aNexusThatLoggedInAfterTheChangeSeesOnlyPowerOn() throws Exception {
        grow(NEW_BLOCKS * 512);
        assertThat(fixture.node.device().capacityChanged(0)).isTrue();
        EmbeddedChannel late = fixture.channel();
        fixture.login(late, TargetFixture.INITIATOR, 0x400001370003L, "MaxRecvDataSegmentLength=8192");
        Session c = new Session(late);
        assertThat(c.testUnitReady()).as("POWER ON was its news (taken at login); nothing more").isNull();
        assertThat(c.capacity16()).isEqualTo(NEW_BLOCKS);
        assertThat(a.testUnitReady()).containsExactly(0x6, 0x2a, 0x09);
    }

    @Test
    void theEngineTellsTheLuOfItsTargetAndNothingElse() throws Exception {
        Path dir = Files.createTempDirectory("capacity-engine");
        Path file = dir.resolve("v.img");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(1 << 20);
        }
        try (TargetEngine engine = TargetEngine.start(EngineConfig.defaults().withListen("127.0.0.1", 0))) {
            engine.map("iqn.2024-01.test:grow", 0, "vol-grow", FileBackend.open(file, false));
            assertThat(engine.capacityChanged("iqn.2024-01.test:grow", 0)).as("same size").isFalse();
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(2 << 20);
            }
            assertThat(engine.capacityChanged("iqn.2024-01.test:nothing-here", 0)).isFalse();
            assertThat(engine.capacityChanged("iqn.2024-01.test:grow", 1)).as("no LUN 1").isFalse();
            assertThat(engine.capacityChanged("iqn.2024-01.test:grow", 0)).isTrue();
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private void grow(long bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(fixture.lunFile().toFile(), "rw")) {
            raf.setLength(bytes);
        }
    }

    private static byte[] readCapacity16Cdb() {
        byte[] cdb = new byte[16];
        cdb[0] = (byte) 0x9e;
        cdb[1] = 0x10;
        cdb[13] = 32;
        return cdb;
    }
}
