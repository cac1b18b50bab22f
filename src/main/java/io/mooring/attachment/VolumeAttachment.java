package io.mooring.attachment;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityListeners;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import java.time.LocalDateTime;
import java.util.UUID;

/**
 * One attachment of a volume (the seed's Attachment object). Deleting soft-deletes: {@code deleted}, {@code detached}.
 * The export state lives here too: the per-attachment CHAP account (secret AES-GCM encrypted) and the endpoint
 * handed out at connect time.
 */
@Entity
@Table(name = "volume_attachment")
@EntityListeners(AttachmentTransitions.class)
public class VolumeAttachment extends PanacheEntityBase {

    /** The status as read or last written: what a change counted by {@link AttachmentTransitions} is from. */
    @Transient
    String statusAsLoaded;

    @Id
    public UUID id;

    @Column(name = "volume_id")
    public UUID volumeId;

    @Column(name = "project_id")
    public String projectId;

    @Column(name = "instance_uuid")
    public String instanceUuid;

    @Column(name = "attached_host")
    public String attachedHost;

    public String mountpoint;

    @Column(name = "attach_status")
    public String attachStatus;

    /** The 3.54 create-time mode (null = not asked) until connect, then the effective mode. */
    @Column(name = "attach_mode")
    public String attachMode;

    @Column(name = "attach_time")
    public LocalDateTime attachTime;

    @Column(name = "detach_time")
    public LocalDateTime detachTime;

    public boolean multiattach;

    @Column(name = "chap_user")
    public String chapUser;

    @Column(name = "chap_secret")
    public byte[] chapSecret;

    @Column(name = "target_iqn")
    public String targetIqn;

    @Column(name = "target_portal")
    public String targetPortal;

    public boolean multipath;

    @Column(name = "created_at")
    public LocalDateTime createdAt;

    @Column(name = "updated_at")
    public LocalDateTime updatedAt;

    @Column(name = "deleted_at")
    public LocalDateTime deletedAt;

    public boolean deleted;

    /** Has an export (and so credentials and connection_info). */
    public boolean connected() {
        return chapUser != null && (AttachStatus.ATTACHING.equals(attachStatus) || AttachStatus.ATTACHED.equals(attachStatus));
    }
}
