package io.mooring.attachment;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/** One key of an attachment's connector (the seed's AttachmentSpecs); the value is a JSON document. */
@Entity
@Table(name = "attachment_specs")
public class AttachmentSpec extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "attachment_id")
    public UUID attachmentId;

    public String key;

    public String value;
}
