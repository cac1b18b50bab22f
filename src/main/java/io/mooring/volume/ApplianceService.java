package io.mooring.volume;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/** The one row naming this appliance as Cinder's volume service; the schema migration generated its uuid once. */
@Entity
@Table(name = "appliance_service")
public class ApplianceService extends PanacheEntityBase {

    @Id
    public boolean singleton;

    @Column(name = "service_uuid")
    public UUID serviceUuid;
}
