package io.mooring.volume;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** A volume and its backing store. {@code status} is the lock: it only changes under a compare-and-swap or a row lock. */
@Entity
@Table(name = "volumes")
public class Volume extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "project_id")
    public String projectId;

    @Column(name = "user_id")
    public String userId;

    public String name;

    public String description;

    /** GiB. */
    public int size;

    public String status;

    @Column(name = "attach_status")
    public String attachStatus;

    @ManyToOne(fetch = FetchType.EAGER, optional = false)
    @JoinColumn(name = "volume_type_id")
    public VolumeType volumeType;

    public boolean multiattach;

    @Column(name = "backing_path")
    public String backingPath;

    @Column(name = "raw_device")
    public boolean rawDevice;

    @Convert(converter = JsonMapConverter.class)
    public Map<String, String> metadata;

    /** os-set_bootable. */
    public boolean bootable;

    /** Cinder's admin metadata: {@code readonly} ("True"/"False", os-update_readonly_flag). */
    @Convert(converter = JsonMapConverter.class)
    @Column(name = "admin_metadata")
    public Map<String, String> adminMetadata = new LinkedHashMap<>();
    /** While {@code extending}: the status the volume returns to, and the size it is being extended to (GiB). */
    @Column(name = "previous_status")
    public String previousStatus;

    @Column(name = "extending_to")
    public Integer extendingTo;

    /** Attachment changes set the status they imply; while an extend runs, that is the status the extend returns to. */
    public void derivedStatus(String derived) {
        if (VolumeStatus.EXTENDING.equals(status)) {
            previousStatus = derived;
        } else {
            status = derived;
        }
    }

    @Column(name = "created_at")
    public LocalDateTime createdAt;

    @Column(name = "updated_at")
    public LocalDateTime updatedAt;

    /** Cinder's test: new connections of a read-only volume get access_mode ro. */
    public boolean readonly() {
        return "True".equals(adminMetadata.get("readonly"));
    }
}
