package io.mooring.volume;

import io.mooring.auth.Scope;
import io.mooring.domain.DomainError.MetadataChangeRefused;
import io.mooring.domain.DomainError.MetadataChanged;
import io.mooring.domain.DomainError.ReadonlyFlagRefused;
import io.mooring.domain.DomainError.VolumeMetadataNotFound;
import io.mooring.domain.DomainError.VolumeNotFound;
import io.mooring.domain.DomainError.VolumeUnderMaintenance;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The operator's everyday volume changes: name, description, metadata (Cinder's volume_metadata calls), bootable and
 * the read-only flag, and the usage figures of the summary and limits calls. Every change takes the volume's row lock
 * first, so a read-modify-write of the metadata never loses a concurrent one and the read-only flag cannot change
 * while a reserve slips in.
 */
@ApplicationScoped
public class VolumeUpdateService {

    /** Cinder refuses metadata changes in these states (volume/api.py). */
    private static final Set<String> METADATA_FROZEN = Set.of("maintenance", "uploading");

    /** PUT volume: Cinder's volume_api.update, refused during maintenance. */
    public Uni<Volume> update(Scope scope, UUID id, VolumeEdit edit) {
        return changeUnlessInMaintenance(scope, id, volume -> {
            if (edit.setsName()) {
                volume.name = edit.name();
            }
            if (edit.setsDescription()) {
                volume.description = edit.description();
            }
            if (edit.metadata() != null) {
                volume.metadata = new LinkedHashMap<>(edit.metadata());
            }
        });
    }

    /** os-set_bootable: goes through volume_api.update in Cinder, so it is refused during maintenance too. */
    public Uni<Volume> setBootable(Scope scope, UUID id, boolean bootable) {
        return changeUnlessInMaintenance(scope, id, volume -> volume.bootable = bootable);
    }

    private Uni<Volume> changeUnlessInMaintenance(Scope scope, UUID id, Consumer<Volume> change) {
        return Panache.withTransaction(() -> locked(scope, id).map(volume -> {
            if ("maintenance".equals(volume.status)) {
                throw new VolumeUnderMaintenance(id);
            }
            change.accept(volume);
            volume.updatedAt = VolumeService.now();
            return volume;
        }));
    }

    /**
     * os-update_readonly_flag: Cinder's admin metadata {@code readonly} = "True"/"False", only while {@code available},
     * so no connection exists that the flag would have to reach; new connections are made read-only.
     */
    public Uni<Void> setReadonly(Scope scope, UUID id, boolean readonly) {
        return Panache.withTransaction(() -> locked(scope, id).invoke(volume -> {
            if (!VolumeStatus.AVAILABLE.equals(volume.status)) {
                throw new ReadonlyFlagRefused(id, volume.status);
            }
            Map<String, String> admin = new LinkedHashMap<>(volume.adminMetadata);
            admin.put("readonly", readonly ? "True" : "False");
            volume.adminMetadata = admin;
        })).replaceWithVoid();
    }

    // ---- metadata -------------------------------------------------------------------------------------------------

    public Uni<Map<String, String>> metadata(Scope scope, UUID id) {
        return Panache.withSession(() -> find(scope, id)).map(volume -> volume.metadata);
    }

    public Uni<String> metadataItem(Scope scope, UUID id, String key) {
        return metadata(scope, id).map(metadata -> {
            if (!metadata.containsKey(key)) {
                throw new VolumeMetadataNotFound(id, key);
            }
            return metadata.get(key);
        });
    }

    /**
     * Sets {@code items} on the volume's metadata; with {@code replace} every other key goes. {@code unchanged} is the
     * caller's precondition on the metadata as it is now (3.15 If-Match), checked under the lock. Returns the metadata
     * as it is afterwards.
     */
    public Uni<Map<String, String>> setMetadata(Scope scope, UUID id, Map<String, String> items, boolean replace,
                                                Predicate<Map<String, String>> unchanged) {
        return Panache.withTransaction(() -> locked(scope, id).map(volume -> {
            if (!unchanged.test(volume.metadata)) {
                throw new MetadataChanged(id);
            }
            if (METADATA_FROZEN.contains(volume.status)) {
                throw new MetadataChangeRefused(volume.status, false);
            }
            Map<String, String> metadata = replace ? new LinkedHashMap<>() : new LinkedHashMap<>(volume.metadata);
            metadata.putAll(items);
            volume.metadata = metadata;
            return metadata;
        }));
    }

    public Uni<Void> deleteMetadata(Scope scope, UUID id, String key) {
        return Panache.withTransaction(() -> locked(scope, id).invoke(volume -> {
            if (!volume.metadata.containsKey(key)) {
                throw new VolumeMetadataNotFound(id, key);
            }
            if (METADATA_FROZEN.contains(volume.status)) {
                throw new MetadataChangeRefused(volume.status, true);
            }
            Map<String, String> metadata = new LinkedHashMap<>(volume.metadata);
            metadata.remove(key);
            volume.metadata = metadata;
        })).replaceWithVoid();
    }

    // ---- usage ----------------------------------------------------------------------------------------------------

    /** The volumes of {@code projectId} (every project's when null): count, GiB, distinct metadata values by key. */
    public Uni<VolumeSummary> summary(String projectId) {
        return Panache.withSession(() -> projectId == null ? Volume.<Volume>listAll() : Volume.<Volume>list("projectId", projectId))
                .map(volumes -> {
                    long gib = 0;
                    Map<String, Set<String>> distinct = new TreeMap<>();
                    for (Volume v : volumes) {
                        gib += v.size;
                        v.metadata.forEach((key, value) -> distinct.computeIfAbsent(key, k -> new TreeSet<>()).add(value));
                    }
                    Map<String, List<String>> metadata = new LinkedHashMap<>();
                    distinct.forEach((key, values) -> metadata.put(key, new ArrayList<>(values)));
                    return new VolumeSummary(volumes.size(), gib, metadata);
                });
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static Uni<Volume> find(Scope scope, UUID id) {
        return Volume.<Volume>findById(id).map(volume -> visible(scope, id, volume));
    }

    /** The volume under its row lock (SELECT ... FOR UPDATE), inside a transaction. */
    private static Uni<Volume> locked(Scope scope, UUID id) {
        return Volume.<Volume>findById(id, LockModeType.PESSIMISTIC_WRITE).map(volume -> visible(scope, id, volume));
    }

    private static Volume visible(Scope scope, UUID id, Volume volume) {
        if (volume == null || !(scope.admin() || volume.projectId.equals(scope.projectId()))) {
            throw new VolumeNotFound(id);
        }
        return volume;
    }
}
