package io.mooring.api;

import io.mooring.attachment.VolumeAttachment;
import io.mooring.volume.Volume;
import io.mooring.volume.VolumeStatus;
import io.mooring.volume.VolumeType;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Cinder's JSON views (cinder/api/v3/views), field for field, gated by microversion as Cinder gates them. */
final class Views {

    /** Naive UTC with microseconds, as Cinder's isoformat() prints them. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");

    private Views() {
    }

    static String time(LocalDateTime t) {
        return t == null ? null : TIME.format(t);
    }

    /** Attachment times are the empty string when unset (views/attachments.py), not null. */
    static String attachmentTime(LocalDateTime t) {
        return t == null ? "" : TIME.format(t);
    }

    static Map<String, Object> attachmentSummary(VolumeAttachment a) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", a.id.toString());
        view.put("status", a.attachStatus);
        view.put("instance", a.instanceUuid);
        view.put("volume_id", a.volumeId.toString());
        return view;
    }

    static Map<String, Object> attachmentDetail(VolumeAttachment a, Map<String, Object> connectionInfo) {
        Map<String, Object> view = attachmentSummary(a);
        view.put("attached_at", attachmentTime(a.attachTime));
        view.put("detached_at", attachmentTime(a.detachTime));
        view.put("attach_mode", a.attachMode == null ? "null" : a.attachMode);
        view.put("connection_info", connectionInfo);
        return view;
    }

    static Map<String, Object> volumeSummary(Volume v, ApiRequest request) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", v.id.toString());
        view.put("name", v.name);
        view.put("links", links(v, request));
        return view;
    }

    static Map<String, Object> volumeDetail(Volume v, List<VolumeAttachment> attached, ApiRequest request) {
        return volume(v, attached, request, false);
    }

    /**
     * The 202 of a create, as Cinder answers it before its volume service took the volume: {@code creating}, never
     * updated, no service yet, and none of the {@code os-vol-*} keys (Cinder's extensions add those to show and list).
     */
    static Map<String, Object> volumeCreated(Volume v, ApiRequest request) {
        return volume(v, List.of(), request, true);
    }

    private static Map<String, Object> volume(Volume v, List<VolumeAttachment> attached, ApiRequest request, boolean created) {
        ApiVersion version = request.version();
        boolean admin = request.admin();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", v.id.toString());
        view.put("status", created ? VolumeStatus.CREATING : v.status);
        view.put("size", v.size);
        view.put("availability_zone", request.availabilityZone());
        view.put("created_at", time(v.createdAt));
        view.put("updated_at", created ? null : time(v.updatedAt));
        view.put("name", v.name);
        view.put("description", v.description);
        view.put("volume_type", v.volumeType.name);
        view.put("snapshot_id", null);
        view.put("source_volid", null);
        view.put("metadata", withVisibleAdminMetadata(v));
        view.put("links", links(v, request));
        view.put("user_id", v.userId);
        view.put("bootable", v.bootable ? "true" : "false");
        view.put("encrypted", false);
        view.put("replication_status", null);
        view.put("consistencygroup_id", null);
        view.put("multiattach", v.multiattach);
        List<Map<String, Object>> attachments = new ArrayList<>();
        for (VolumeAttachment a : attached) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", v.id.toString());
            entry.put("attachment_id", a.id.toString());
            entry.put("volume_id", v.id.toString());
            entry.put("server_id", a.instanceUuid);
            entry.put("host_name", admin ? a.attachedHost : null);
            entry.put("device", a.mountpoint);
            entry.put("attached_at", time(a.attachTime));
            attachments.add(entry);
        }
        view.put("attachments", attachments);
        view.put("migration_status", null);
        if (version.atLeast(ApiVersion.GROUP_VOLUME)) {
            view.put("group_id", null);
        }
        if (admin && version.atLeast(ApiVersion.VOLUME_DETAIL_PROVIDER_ID)) {
            view.put("provider_id", null);
        }
        if (version.atLeast(ApiVersion.SHARED_TARGETS_AND_SERVICE_FIELDS)) {
            // One target IQN per volume: targets are never shared between volumes.
            view.put("shared_targets", false);
            view.put("service_uuid", created ? null : request.serviceUuid().toString());
        }
        if (admin && version.atLeast(ApiVersion.VOLUME_CLUSTER_NAME)) {
            view.put("cluster_name", null);
        }
        if (version.atLeast(ApiVersion.VOLUME_TYPE_ID_IN_VOLUME_DETAIL)) {
            view.put("volume_type_id", v.volumeType.id.toString());
        }
        if (version.atLeast(ApiVersion.USE_QUOTA)) {
            view.put("consumes_quota", true);
        }
        if (created) {
            return view;
        }
        view.put("os-vol-tenant-attr:tenant_id", v.projectId);
        if (admin) {
            view.put("os-vol-mig-status-attr:migstat", null);
            view.put("os-vol-mig-status-attr:name_id", null);
            view.put("os-vol-host-attr:host", "mooring@" + (v.rawDevice ? "raw#raw" : "file#file"));
        }
        return view;
    }

    /** Cinder's add_visible_admin_metadata: the admin keys users may see overlay the user metadata. */
    private static Map<String, String> withVisibleAdminMetadata(Volume v) {
        Map<String, String> metadata = new LinkedHashMap<>(v.metadata);
        for (String key : List.of("readonly", "attached_mode")) {
            String value = v.adminMetadata.get(key);
            if (value != null) {
                metadata.put(key, value);
            }
        }
        return metadata;
    }

    private static List<Map<String, String>> links(Volume v, ApiRequest request) {
        String base = request.endpoint();
        return List.of(
                Map.of("href", base + "/v3/" + v.projectId + "/volumes/" + v.id, "rel", "self"),
                Map.of("href", base + "/" + v.projectId + "/volumes/" + v.id, "rel", "bookmark"));
    }

    static Map<String, Object> volumeType(VolumeType t, boolean admin) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", t.id.toString());
        view.put("name", t.name);
        view.put("description", t.description);
        view.put("is_public", t.isPublic);
        view.put("os-volume-type-access:is_public", t.isPublic);
        // Members see only the keys Cinder shows users (USER_VISIBLE_EXTRA_SPECS): enough to find multiattach types.
        view.put("extra_specs", admin ? t.extraSpecs : t.extraSpecs.entrySet().stream()
                .filter(e -> e.getKey().equals("multiattach"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        view.put("qos_specs_id", null);
        return view;
    }
}
