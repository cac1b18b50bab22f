package io.mooring.engine;

import io.mooring.engine.scsi.bdev.BlockBackend;
import io.mooring.engine.scsi.bdev.FileBackend;
import io.mooring.engine.scsi.bdev.RawDeviceBackend;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the engine alone, serving one file or block device as LUN 0 of one target, for scripts and benchmarks.
 *
 * <pre>
 * java -cp target-engine.jar:... io.mooring.engine.TargetLauncher \
 *     --listen 127.0.0.1:3260 --iqn iqn.2024-01.io.mooring:bench \
 *     --file /tmp/lun.img --size 1G \
 *     --chap user:secret123456 [--mutual tuser:tsecret123456] \
 *     --initiator iqn.2024-01.local:a [--initiator iqn.2024-01.local:b ...] \
 *     [--device /dev/loop0] [--read-only] [--advertise host:port]
 * </pre>
 *
 * <ul>
 *   <li>{@code --file} creates the file sparse with {@code --size} (K, M, G, T suffixes) if it does not exist or is
 *       smaller; {@code --device} serves a block device instead (its own size).</li>
 *   <li>{@code --chap} is required: the engine always requires CHAP. Every {@code --initiator} name is admitted
 *       with that account (libiscsi's conformance suite needs two).</li>
 *   <li>Prints {@code listening on host:port} once bound; stops on SIGINT/SIGTERM.</li>
 * </ul>
 */
public final class TargetLauncher {

    private TargetLauncher() {
    }

    public static void main(String[] args) throws Exception {
        String listen = "127.0.0.1:3260";
        String iqn = "iqn.2024-01.io.mooring:target";
        String file = null;
        String device = null;
        long size = 1L << 30;
        String chap = null;
        String mutual = null;
        String advertise = null;
        boolean readOnly = false;
        Set<String> initiators = new LinkedHashSet<>();
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String option = rest.remove(0);
            switch (option) {
                case "--listen" -> listen = value(option, rest);
                case "--iqn" -> iqn = value(option, rest);
                case "--file" -> file = value(option, rest);
                case "--device" -> device = value(option, rest);
                case "--size" -> size = parseSize(value(option, rest));
                case "--chap" -> chap = value(option, rest);
                case "--mutual" -> mutual = value(option, rest);
                case "--initiator" -> initiators.add(value(option, rest));
                case "--advertise" -> advertise = value(option, rest);
                case "--read-only" -> readOnly = true;
                default -> usage("unknown option " + option);
            }
        }
        if (chap == null || !chap.contains(":")) {
            usage("--chap user:secret is required");
        }
        if (initiators.isEmpty()) {
            usage("at least one --initiator is required");
        }
        if ((file == null) == (device == null)) {
            usage("exactly one of --file and --device");
        }
        int colon = listen.lastIndexOf(':');
        EngineConfig config = EngineConfig.defaults()
                .withListen(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)))
                .withAdvertisedPortal(advertise)
                .withNop(Duration.ofSeconds(10), Duration.ofSeconds(15));
        BlockBackend backend;
        if (file != null) {
            Path path = Path.of(file);
            ensureSize(path, size);
            backend = FileBackend.open(path, readOnly);
        } else {
            backend = RawDeviceBackend.open(Path.of(device), readOnly);
        }
        String[] account = chap.split(":", 2);
        String mutualUser = null;
        String mutualSecret = null;
        if (mutual != null) {
            String[] m = mutual.split(":", 2);
            mutualUser = m[0];
            mutualSecret = m[1];
        }
        TargetEngine engine = TargetEngine.start(config);
        engine.map(iqn, 0, iqn, backend);
        engine.grant(iqn, new AccessGrant(account[0], account[1], initiators, readOnly, mutualUser, mutualSecret));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            engine.close();
            stopped.countDown();
        }, "target-launcher-stop"));
        System.out.println("listening on " + engine.localAddress().getHostString() + ":"
                + engine.localAddress().getPort() + " target " + iqn);
        System.out.flush();
        stopped.await();
    }

    private static void ensureSize(Path path, long size) throws IOException {
        if (Files.exists(path) && Files.size(path) >= size) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(size); // sparse
        }
    }

    static long parseSize(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        char last = s.charAt(s.length() - 1);
        int shift = "KMGT".indexOf(last);
        if (shift >= 0) {
            unit = 1L << (10 * (shift + 1));
            s = s.substring(0, s.length() - 1);
        }
        return Long.parseLong(s) * unit;
    }

    private static String value(String option, List<String> rest) {
        if (rest.isEmpty()) {
            usage(option + " needs a value");
        }
        return rest.remove(0);
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: TargetLauncher --listen host:port --iqn IQN (--file PATH [--size 1G] | --device DEV)"
                + " --chap USER:SECRET [--mutual USER:SECRET] --initiator IQN [--initiator IQN ...] [--read-only]"
                + " [--advertise host:port]");
        System.exit(2);
    }
}
