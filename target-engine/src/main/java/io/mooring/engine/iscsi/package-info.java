/**
 * The iSCSI transport (RFC 7143), laid out as SPDK's lib/iscsi is, lower packages never importing higher ones
 * ({@code PackageCycleTest} checks it):
 * <ul>
 *   <li>{@code pdu}: a message type per PDU, {@code IscsiPduDecoder} (framing, bounds, digests) and
 *       {@code IscsiPduEncoder};</li>
 *   <li>{@code node}: targets (grants + a {@code ScsiDevice}) on lock-free maps; a target knows its sessions only
 *       as {@code NodeSession};</li>
 *   <li>{@code login}: the login state machine, CHAP (MD5, SHA-256, SHA3-256), text keys and operational
 *       parameter negotiation;</li>
 *   <li>{@code session}: sessions and their CmdSN window; a session knows its connection only as
 *       {@code SessionConnection};</li>
 *   <li>{@code conn}: one connection as Netty pipeline stages: {@code LoginStage} for the login phase, which on
 *       success installs the full feature stage (NOP-In keep-alive, CmdSN ordering, Data-In splitting, write data
 *       gathering with R2Ts, then execution, NOP-Out, task management, text and logout).</li>
 * </ul>
 * The SCSI layer ({@code io.mooring.engine.scsi}) never sees a PDU: the transport hands it whole commands
 * ({@code ScsiCommand}) and gets {@code ScsiResponse}s back.
 */
package io.mooring.engine.iscsi;
