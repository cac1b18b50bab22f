package io.mooring.volume;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.Map;
import java.util.UUID;

/** A Cinder volume type. Its extra specs decide multiattach ({@code multiattach: "<is> True"}) and the backend. */
@Entity
@Table(name = "volume_types")
public class VolumeType extends PanacheEntityBase {

    public static final String DEFAULT_NAME = "__DEFAULT__";
    /** Cinder's way to ask for the raw-device backend: {@code volume_backend_name: raw}. */
    static final String BACKEND_KEY = "volume_backend_name";
    static final String RAW_BACKEND = "raw";

    @Id
    public UUID id;

    public String name;

    public String description;

    @Column(name = "is_public")
    public boolean isPublic;

    @Column(name = "extra_specs")
    @Convert(converter = JsonMapConverter.class)
    public Map<String, String> extraSpecs;

    /** Cinder's capability-filter syntax; {@code "<is> True"} is what operators write. */
    public boolean multiattach() {
        String value = extraSpecs.get("multiattach");
        return value != null && value.trim().equalsIgnoreCase("<is> True");
    }

    public boolean rawDevice() {
        return RAW_BACKEND.equals(extraSpecs.get(BACKEND_KEY));
    }
}
