package io.mooring.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Attachment cycles and list reads against a running Mooring (or any Cinder v3 endpoint), as pgbench drives
 * PostgreSQL: one thread and one keep-alive HTTP/1.1 connection per worker, requests written as bytes prepared once,
 * answers read without a JSON parser, so that the client takes a small share of the machine it measures (the
 * Python client it replaces spent 0.3 ms of CPU per cycle, as much as the appliance's JVM).
 *
 * <pre>
 * RestLoad BASE_URL TOKEN PROJECT [--mode reserve|connect|list] [--seconds 20] [--warmup 0] [--concurrency 1 16]
 *          [--rows 500] [--jvm-pid PID] [--pg-pid POSTMASTER]
 * RestLoad --cpu-ms PID     the CPU milliseconds PID and its children (and their ended children) have used
 * </pre>
 *
 * <ul>
 *   <li>reserve: each worker owns one volume (a non-multiattach volume admits one attachment at a time) and loops
 *       POST /v3/P/attachments (reserve, microversion 3.27) then DELETE /v3/P/attachments/ID;</li>
 *   <li>connect: the same with a connector in the POST (3.54: CHAP account generated, volume exported), then the
 *       DELETE (revoke, soft delete);</li>
 *   <li>list: --rows volumes, each with one reserved attachment, then workers alternate GET volumes/detail and
 *       GET attachments/detail (each answers all rows).</li>
 * </ul>
 * Prints one line per concurrency: cycles/s (list: requests/s), p50/p99 of one cycle (list: one request), the count,
 * and with --jvm-pid / --pg-pid the CPU the appliance's JVM and its PostgreSQL spent per cycle, and this client's own.
 * The --warmup seconds before each measured run are not counted. Loopback only.
 */
public final class RestLoad {

    private static final String INSTANCE = "00000000-0000-4000-8000-000000000001";
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    private static final long TICK_MS = 10; // USER_HZ is 100 on Linux

    private RestLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--cpu-ms")) {
            System.out.println(familyTicks(Long.parseLong(args[1])) * TICK_MS);
            return;
        }
        Options o = Options.parse(args);
        Http admin = new Http(o);
        for (int concurrency : o.concurrency) {
            List<Http> clients = new ArrayList<>();
            for (int i = 0; i < concurrency; i++) {
                clients.add(new Http(o));
            }
            int volumeCount = o.mode.equals("list") ? o.rows : concurrency;
            List<String> volumes = new ArrayList<>();
            List<String> attachments = new ArrayList<>();
            try {
                for (int i = 0; i < volumeCount; i++) {
                    volumes.add(id(admin.call("POST", "/volumes", "{\"volume\": {\"size\": 1, \"name\": \"load-" + i + "\"}}", "3.27")));
                }
                List<Step> workers = new ArrayList<>();
                if (o.mode.equals("list")) {
                    for (String volume : volumes) {
                        attachments.add(id(admin.call("POST", "/attachments", reserveBody(volume), "3.27")));
                    }
                    for (int i = 0; i < concurrency; i++) {
                        workers.add(listStep(clients.get(i), i, o.rows));
                    }
                } else {
                    for (int i = 0; i < concurrency; i++) {
                        workers.add(cycleStep(clients.get(i), volumes.get(i), i, o.mode));
                    }
                }
                if (o.warmup > 0) {
                    run(workers, o.warmup);
                }
                long jvm0 = o.jvmPid > 0 ? ticks(o.jvmPid, false) : 0;
                long pg0 = o.pgPid > 0 ? familyTicks(o.pgPid) : 0;
                long self0 = selfCpuNanos();
                Result r = run(workers, o.seconds);
                long jvm = o.jvmPid > 0 ? ticks(o.jvmPid, false) - jvm0 : 0;
                long pg = o.pgPid > 0 ? familyTicks(o.pgPid) - pg0 : 0;
                double self = (selfCpuNanos() - self0) / 1e6;
                int n = Math.max(r.latencies.length, 1);
                String unit = o.mode.equals("list") ? "requests/s" : "cycles/s";
                String cpu = o.jvmPid > 0 || o.pgPid > 0
                        ? String.format(Locale.ROOT, ", cpu/%s: jvm %.2f ms, postgres %.2f ms, client %.2f ms",
                                o.mode.equals("list") ? "request" : "cycle", jvm * TICK_MS / (double) n, pg * TICK_MS / (double) n, self / n)
                        : "";
                System.out.printf(Locale.ROOT, "%s concurrency %d: %.1f %s, p50 %.1f ms, p99 %.1f ms (%d in %.1f s)%s%n",
                        o.mode, concurrency, r.latencies.length / r.seconds, unit, pct(r.latencies, 0.50), pct(r.latencies, 0.99),
                        r.latencies.length, r.seconds, cpu);
            } finally {
                for (Http client : clients) {
                    client.close();
                }
                for (String attachment : attachments) {
                    admin.call("DELETE", "/attachments/" + attachment, null, "3.27");
                }
                for (String volume : volumes) {
                    admin.call("DELETE", "/volumes/" + volume, null, "3.27");
                }
            }
        }
        admin.close();
    }

    /** One unit of a worker's loop. */
    interface Step {
        void run() throws IOException;
    }

    private static Step cycleStep(Http client, String volume, int i, String mode) {
        boolean connect = mode.equals("connect");
        String body = connect
                ? "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"instance_uuid\": \"" + INSTANCE + "\", \"connector\": "
                        + "{\"initiator\": \"iqn.2024-01.io.mooring.load:w" + i + "\", \"ip\": \"127.0.0.1\", \"host\": \"load-" + i
                        + "\", \"platform\": \"x86_64\", \"os_type\": \"linux\", \"multipath\": false}}}"
                : reserveBody(volume);
        String version = connect ? "3.54" : "3.27";
        byte[] create = client.request("POST", "/attachments", body, version);
        return () -> {
            String attachment = id(client.send(create, "POST /attachments"));
            client.call("DELETE", "/attachments/" + attachment, null, version);
        };
    }

    private static Step listStep(Http client, int i, int rows) {
        byte[][] requests = {client.request("GET", "/volumes/detail?limit=" + rows, null, "3.27"),
                client.request("GET", "/attachments/detail?limit=" + rows, null, "3.27")};
        int[] next = {i};
        return () -> client.send(requests[next[0]++ % 2], "GET detail");
    }

    private static String reserveBody(String volume) {
        return "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"instance_uuid\": \"" + INSTANCE + "\"}}";
    }

    private static String id(String json) {
        Matcher m = ID.matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no id in " + json.substring(0, Math.min(300, json.length())));
        }
        return m.group(1);
    }

    private record Result(double[] latencies, double seconds) {
    }

    /** Runs each worker's step until the deadline; a failed request ends the run with its error. */
    private static Result run(List<Step> workers, double seconds) throws InterruptedException {
        long stop = System.nanoTime() + (long) (seconds * 1e9);
        List<double[]> perWorker = new CopyOnWriteArrayList<>();
        List<Exception> errors = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long started = System.nanoTime();
        for (Step step : workers) {
            Thread t = new Thread(() -> {
                double[] mine = new double[1024];
                int count = 0;
                try {
                    while (System.nanoTime() < stop) {
                        long t0 = System.nanoTime();
                        step.run();
                        if (count == mine.length) {
                            mine = Arrays.copyOf(mine, count * 2);
                        }
                        mine[count++] = (System.nanoTime() - t0) / 1e6;
                    }
                } catch (Exception e) {
                    errors.add(e);
                }
                perWorker.add(Arrays.copyOf(mine, count));
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        if (!errors.isEmpty()) {
            throw new IllegalStateException(errors.size() + " worker(s) failed, first: " + errors.get(0), errors.get(0));
        }
        double[] all = perWorker.stream().flatMapToDouble(Arrays::stream).sorted().toArray();
        return new Result(all, elapsed);
    }

    private static double pct(double[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))];
    }

    private static long selfCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
    }

    /** utime + stime of one process in clock ticks (0 once it is gone), with reaped: plus its ended children's. */
    static long ticks(long pid, boolean reaped) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]) + (reaped ? Long.parseLong(f[13]) + Long.parseLong(f[14]) : 0);
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /** The postmaster with its ended children, and its live children (backends, walwriter, checkpointer, ...). */
    static long familyTicks(long postmaster) {
        long total = ticks(postmaster, true);
        try (Stream<ProcessHandle> children = ProcessHandle.of(postmaster).map(ProcessHandle::children).orElse(Stream.empty())) {
            total += children.mapToLong(child -> ticks(child.pid(), false)).sum();
        }
        return total;
    }

    private record Options(URI base, String token, String project, String mode, double seconds, double warmup,
                           List<Integer> concurrency, int rows, long jvmPid, long pgPid) {
        static Options parse(String[] args) {
            if (args.length < 3) {
                throw new IllegalArgumentException("usage: RestLoad BASE_URL TOKEN PROJECT [--mode reserve|connect|list] [--seconds S]"
                        + " [--warmup S] [--concurrency N ...] [--rows N] [--jvm-pid PID] [--pg-pid PID]");
            }
            URI base = URI.create(args[0]);
            if (!base.getHost().equals("127.0.0.1") && !base.getHost().equals("localhost")) {
                throw new IllegalArgumentException("loopback targets only");
            }
            String mode = "reserve";
            double seconds = 20;
            double warmup = 0;
            List<Integer> concurrency = new ArrayList<>();
            int rows = 500;
            long jvm = 0;
            long pg = 0;
            for (int i = 3; i < args.length; i++) {
                switch (args[i]) {
                    case "--mode" -> mode = args[++i];
                    case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                    case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                    case "--rows" -> rows = Integer.parseInt(args[++i]);
                    case "--jvm-pid" -> jvm = Long.parseLong(args[++i]);
                    case "--pg-pid" -> pg = Long.parseLong(args[++i]);
                    case "--concurrency" -> {
                        while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                            concurrency.add(Integer.parseInt(args[++i]));
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (!List.of("reserve", "connect", "list").contains(mode)) {
                throw new IllegalArgumentException("--mode is reserve, connect or list");
            }
            return new Options(base, args[1], args[2], mode, seconds, warmup, concurrency.isEmpty() ? List.of(1, 16) : concurrency,
                    rows, jvm, pg);
        }
    }

    /** One keep-alive HTTP/1.1 connection; reconnects only if the server closed it. */
    private static final class Http implements AutoCloseable {

        private final Options options;
        private final String prefix;
        private Socket socket;
        private InputStream in;
        private OutputStream out;

        Http(Options options) {
            this.options = options;
            this.prefix = "/v3/" + options.project;
        }

        byte[] request(String method, String path, String body, String version) {
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + prefix + path + " HTTP/1.1\r\nHost: " + options.base.getAuthority()
                    + "\r\nX-Auth-Token: " + options.token + "\r\nOpenStack-API-Version: volume " + version
                    + "\r\nAccept: application/json\r\n"
                    + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + payload.length + "\r\n") + "\r\n";
            byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
            byte[] request = Arrays.copyOf(headBytes, headBytes.length + payload.length);
            System.arraycopy(payload, 0, request, headBytes.length, payload.length);
            return request;
        }

        String call(String method, String path, String body, String version) throws IOException {
            return send(request(method, path, body, version), method + " " + path);
        }

        /** Writes a prepared request and reads its answer's body; anything but 200/202/204 fails. */
        String send(byte[] request, String what) throws IOException {
            for (int attempt = 1; ; attempt++) {
                if (socket == null) {
                    socket = new Socket();
                    socket.setTcpNoDelay(true);
                    socket.connect(new InetSocketAddress(options.base.getHost(), options.base.getPort()), 10_000);
                    socket.setSoTimeout(60_000);
                    in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
                    out = new BufferedOutputStream(socket.getOutputStream(), 1 << 14);
                }
                try {
                    out.write(request);
                    out.flush();
                    return readResponse(what);
                } catch (IOException e) {
                    close();
                    if (attempt == 2) {
                        throw e;
                    }
                }
            }
        }

        private String readResponse(String what) throws IOException {
            String status = line();
            if (status == null) {
                throw new IOException("connection closed by the server");
            }
            int code = Integer.parseInt(status.substring(9, 12));
            int length = 0;
            boolean chunked = false;
            boolean closing = false;
            for (String header = line(); header != null && !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Integer.parseInt(value);
                    case "transfer-encoding" -> chunked = value.equalsIgnoreCase("chunked");
                    case "connection" -> closing = value.equalsIgnoreCase("close");
                    default -> {
                    }
                }
            }
            byte[] body = chunked ? chunkedBody() : in.readNBytes(length);
            String text = new String(body, StandardCharsets.UTF_8);
            if (closing) {
                close();
            }
            if (code != 200 && code != 202 && code != 204) {
                throw new IllegalStateException(what + " -> " + code + " " + text.substring(0, Math.min(300, text.length())));
            }
            return text;
        }

        private byte[] chunkedBody() throws IOException {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            for (int size = Integer.parseInt(line().split(";")[0].trim(), 16); size > 0; size = Integer.parseInt(line().split(";")[0].trim(), 16)) {
                body.write(in.readNBytes(size));
                line();
            }
            String trailer;
            do {
                trailer = line();
            } while (trailer != null && !trailer.isEmpty());
            return body.toByteArray();
        }

        /** One CRLF-terminated line, or null at the end of the stream. */
        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int c = in.read(); c != -1; c = in.read()) {
                if (c == '\n') {
                    int end = sb.length();
                    return sb.substring(0, end > 0 && sb.charAt(end - 1) == '\r' ? end - 1 : end);
                }
                sb.append((char) c);
            }
            return sb.isEmpty() ? null : sb.toString();
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a connection that already failed
                }
                socket = null;
            }
        }
    }
}
