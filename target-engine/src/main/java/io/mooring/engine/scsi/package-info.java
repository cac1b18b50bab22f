/**
 * The SCSI layer of the target engine: what an iSCSI session's commands do to a logical unit. The transport sees
 * only {@link io.mooring.engine.scsi.ScsiDevice} and the contract types beside it; it never sees a LUN, a backend
 * or sense data beyond the bytes.
 *
 * <h2>Layout (after SPDK lib/scsi and tgt)</h2>
 * <ul>
 *   <li>{@code scsi}: {@code ScsiDevice} (lock-free LUN table, task management hooks), {@code CommandTable} (the op
 *       table: one entry per opcode and service action, with its reservation class, write-protection flag and CDB
 *       usage for REPORT SUPPORTED OPERATION CODES) and {@code CommandDispatcher} (unit attention, then reservation
 *       conflict, then write protection, then the handler).</li>
 *   <li>{@code scsi.lun}: per-LU state: counters, unit attentions, range locks, group commit, copy results.</li>
 *   <li>{@code scsi.spc} / {@code scsi.sbc}: command handlers (SPC-4 incl. RESERVE/RELEASE and PERSISTENT RESERVE
 *       IN/OUT; SBC-3). {@code scsi.pr}: the reservation state those commands change (SPC-2 and SPC-3 rules,
 *       APTPL store). {@code scsi.sense}: fixed-format sense, with the field pointer (byte and bit) wherever a CDB
 *       or parameter-list field is rejected. {@code scsi.bdev}: file and raw-device backends.</li>
 * </ul>
 *
 * <h2>Layering</h2>
 * No two classes depend on each other, and the subpackages form a DAG: {@code spc} → {@code sbc} → {@code lun} →
 * {@code pr} → {@code sense}, with {@code bdev} at the bottom (DependencyCycleTest checks it). A lower layer that
 * must call up takes a narrow function instead of the class: reservations raise unit attentions through a
 * {@code BiConsumer}, group commit flushes through a {@code Runnable}, REPORT SUPPORTED OPERATION CODES reads the
 * op list the table hands it. This package itself is both the contract the handlers share with the transport and
 * the entry the transport calls ({@code ScsiDevice}).
 *
 * <h2>Threading</h2>
 * Commands run on the caller's thread (the connection's event loop): page-cache I/O is cheaper than a hand-off.
 * Reads of a file backend return a {@link io.mooring.engine.scsi.DataIn.FileRegion} (sendfile); other reads fill a
 * pooled direct buffer; writes go straight from the Data-Out buffer's NIO views. Writers take striped range locks
 * (so COMPARE AND WRITE, ORWRITE and EXTENDED COPY are atomic against other writers); readers take none. Only
 * fdatasync leaves the event loop: SYNCHRONIZE CACHE, FUA and write-through writes complete from a flush thread,
 * and concurrent requests share one fdatasync. A failed fdatasync fails every later write and flush of that LU.
 *
 * <h2>What is reported, honestly</h2>
 * <ul>
 *   <li>WCE=1: writes are acknowledged from the page cache; MODE SELECT can clear WCE to write through.</li>
 *   <li>Thin provisioning only where space really goes back: a file on a filesystem that punches holes (tried once
 *       at open), or a raw device that both discards and zeroes in place, reports LBPME=1, LBPRZ=1 and a thin
 *       Logical Block Provisioning page (LBPU, LBPWS, LBPWS10). UNMAP and WRITE SAME with UNMAP are then
 *       {@code fallocate(PUNCH_HOLE)} (a file zeroes partial filesystem blocks at the edges and frees the rest; a
 *       device zeroes with unmapping allowed). GET LBA STATUS reports a file's holes ({@code SEEK_HOLE}), and every
 *       block of a device as mapped (it does not say what it freed). Elsewhere (read-only, no punching, native
 *       access denied) zeros are written and the LU reports full provisioning (LBPME=0, every block mapped).
 *       WRITE SAME without UNMAP always writes. The native calls go through the FFM API: run with
 *       {@code --enable-native-access=ALL-UNNAMED} to keep the JVM from warning about them.</li>
 *   <li>Physical block 4096 bytes for files (the page-cache unit), the device's own for raw devices.</li>
 *   <li>Persistent reservations are in memory unless the device was built with a state directory; then APTPL
 *       registrations and reservations survive a restart (PTPL_C=1).</li>
 * </ul>
 */
package io.mooring.engine.scsi;
