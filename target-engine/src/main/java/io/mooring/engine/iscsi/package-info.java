/**
 * The iSCSI transport (RFC 7143), laid out as SPDK's lib/iscsi is:
 * <ul>
 *   <li>{@code pdu}: a message type per PDU, {@code IscsiPduDecoder} (framing, bounds, digests) and
 *       {@code IscsiPduEncoder};</li>
 *   <li>{@code login}: the login state machine, CHAP, text keys and operational parameter negotiation;</li>
 *   <li>{@code conn}: one connection's full feature phase: CmdSN ordering, Data-Out/R2T gathering, Data-In,
 *       NOP, text, task management, logout;</li>
 *   <li>{@code session}: sessions and their CmdSN window;</li>
 *   <li>{@code node}: targets (grants + a {@code ScsiDevice}) on lock-free maps.</li>
 * </ul>
 * The SCSI layer ({@code io.mooring.engine.scsi}) never sees a PDU: the transport hands it whole commands
 * ({@code ScsiCommand}) and gets {@code ScsiResponse}s back.
 */
package io.mooring.engine.iscsi;
