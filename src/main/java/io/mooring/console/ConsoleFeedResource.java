package io.mooring.console;

import io.mooring.api.ApiRequest;
import io.mooring.api.CinderFault;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * The web console's live feed (admins only): {@code GET /mooring/console/feed} is a server-sent-events stream with one
 * JSON frame a second. The page at {@code /console} reads it with {@code fetch} (an EventSource cannot send the
 * {@code X-Auth-Token} header).
 */
@Path("/mooring/console/feed")
@Tag(name = "console")
public class ConsoleFeedResource {

    private final ApiRequest request;
    private final ConsoleFeed feed;

    public ConsoleFeedResource(ApiRequest request, ConsoleFeed feed) {
        this.request = request;
        this.feed = feed;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Live state, one frame a second", description = "Server-sent events, each a JSON object: time;"
            + " database (\"available\" or \"unavailable\"); volumes and attachments (null while the database is"
            + " unavailable); sessions (the iSCSI sessions logged in now); rates (per exported volume, over the last"
            + " second: iops, read_mib_s, write_mib_s, read_latency_ms, write_latency_ms).")
    public Multi<Map<String, Object>> feed() {
        if (!request.admin()) {
            throw CinderFault.forbidden("mooring:console:feed");
        }
        return feed.frames().map(ConsoleFeedResource::view);
    }

    private static Map<String, Object> view(ConsoleFrame frame) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("time", frame.time().toString());
        view.put("database", frame.databaseAvailable() ? "available" : "unavailable");
        view.put("volumes", each(frame.volumes(), v -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", v.id());
            row.put("project_id", v.projectId());
            row.put("name", v.name());
            row.put("status", v.status());
            row.put("attach_status", v.attachStatus());
            row.put("size", v.sizeGib());
            row.put("volume_type", v.volumeType());
            row.put("multiattach", v.multiattach());
            return row;
        }));
        view.put("attachments", each(frame.attachments(), a -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", a.id());
            row.put("project_id", a.projectId());
            row.put("volume_id", a.volumeId());
            row.put("status", a.status());
            row.put("host", a.host());
            row.put("initiator", a.initiator());
            row.put("mode", a.mode());
            row.put("instance", a.instance());
            row.put("sessions", a.sessions());
            return row;
        }));
        view.put("sessions", each(frame.sessions(), s -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("volume_id", s.volumeId());
            row.put("attachment_id", s.attachmentId());
            row.put("initiator", s.initiator());
            row.put("remote_address", s.remoteAddress());
            row.put("isid", s.isid());
            row.put("tsih", s.tsih());
            row.put("commands", s.commands());
            row.put("bytes_in", s.bytesIn());
            row.put("bytes_out", s.bytesOut());
            return row;
        }));
        view.put("rates", each(frame.rates(), r -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("volume_id", r.volumeId());
            row.put("iops", r.iops());
            row.put("read_mib_s", r.readMibPerSecond());
            row.put("write_mib_s", r.writeMibPerSecond());
            row.put("read_latency_ms", r.readLatencyMillis());
            row.put("write_latency_ms", r.writeLatencyMillis());
            return row;
        }));
        return view;
    }

    private static <T> List<Map<String, Object>> each(List<T> rows, Function<T, Map<String, Object>> view) {
        return rows == null ? null : rows.stream().map(view).toList();
    }
}
