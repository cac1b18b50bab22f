package io.mooring.engine.scsi.pr;

import io.mooring.engine.scsi.ItNexus;
import io.mooring.engine.scsi.sense.Sense;
import io.mooring.engine.scsi.sense.SenseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the persistent reservation state of one LU in a small text file, so that registrations and the reservation
 * made with APTPL=1 survive a restart (SPC-4 5.13.5). Without APTPL the file is removed, as the state must not
 * survive power loss then. Writes go to a temporary file that is fsynced and renamed over the old one.
 *
 * <p>Format: {@code generation N}, {@code type CODE} (0: none), then one {@code reg KEY ISID TPGT INITIATOR TARGET
 * HOLDER} line per registration, tab-separated; iSCSI names contain no tabs.
 */
public final class ReservationStore {

    private static final System.Logger LOG = System.getLogger(ReservationStore.class.getName());

    private final Path file;

    public ReservationStore(Path file) {
        this.file = file;
    }

    /** The saved state, or no reservations when there is none or it cannot be read (logged). */
    ReservationState load() {
        if (!Files.exists(file)) {
            return ReservationState.EMPTY;
        }
        try {
            return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring unreadable reservation state " + file, e);
            return ReservationState.EMPTY;
        }
    }

    /** Saves {@code state} when it asks for APTPL, else removes any saved state. */
    void save(ReservationState state) {
        try {
            if (!state.persistent() || state.registrations().isEmpty()) {
                Files.deleteIfExists(file);
                return;
            }
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(format(state).getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot save reservation state " + file, e);
            throw new SenseException(Sense.INSUFFICIENT_REGISTRATION_RESOURCES);
        }
    }

    private static String format(ReservationState state) {
        StringBuilder out = new StringBuilder();
        out.append("generation\t").append(state.generation()).append('\n');
        out.append("type\t").append(state.type() == null ? 0 : state.type().code()).append('\n');
        for (Map.Entry<ItNexus, Long> registration : state.registrations().entrySet()) {
            ItNexus nexus = registration.getKey();
            out.append("reg\t").append(Long.toHexString(registration.getValue()))
                    .append('\t').append(Long.toHexString(nexus.isid()))
                    .append('\t').append(nexus.portalGroupTag())
                    .append('\t').append(nexus.initiatorName())
                    .append('\t').append(nexus.targetName())
                    .append('\t').append(nexus.equals(state.holder()) ? "holder" : "-")
                    .append('\n');
        }
        return out.toString();
    }

    private static ReservationState parse(List<String> lines) {
        int generation = 0;
        ReservationType type = null;
        ItNexus holder = null;
        Map<ItNexus, Long> registrations = new HashMap<>();
        for (String line : lines) {
            String[] f = line.split("\t");
            switch (f[0]) {
                case "generation" -> generation = Integer.parseInt(f[1]);
                case "type" -> type = ReservationType.ofCode(Integer.parseInt(f[1]));
                case "reg" -> {
                    ItNexus nexus = new ItNexus(f[4], Long.parseUnsignedLong(f[2], 16), f[5], Integer.parseInt(f[3]));
                    registrations.put(nexus, Long.parseUnsignedLong(f[1], 16));
                    if (f[6].equals("holder")) {
                        holder = nexus;
                    }
                }
                default -> throw new IllegalArgumentException("unknown line " + line);
            }
        }
        if (type != null && holder == null) {
            List<ItNexus> registered = new ArrayList<>(registrations.keySet());
            holder = registered.isEmpty() ? null : registered.get(0);
        }
        return new ReservationState(null, Map.copyOf(registrations), holder, holder == null ? null : type,
                generation, true);
    }
}
