package io.mooring.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The TCP floor under a 4 KiB QD1 read: a loopback ping-pong where the "initiator" sends a 48-byte request (a SCSI
 * Command BHS) and the "target" answers 48 + 4096 bytes (a Data-In BHS with its data, status in it), one
 * outstanding request, TCP_NODELAY, blocking sockets, both ends in this JVM on their own threads. No iSCSI, no
 * disk: any target's 4k QD1 IOPS should be compared with the round trips per second this prints.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.mooring.bench.PingPong [seconds=5] [port=13289]</pre>
 * Prints {@code pingpong rtt_us=<mean> p50_us=<median> rps=<round trips/s>}.
 */
public final class PingPong {

    private static final int REQUEST = 48;
    private static final int RESPONSE = 48 + 4096;

    private PingPong() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 13289;
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(loopback, port));
            Thread target = new Thread(() -> serve(server), "pingpong-target");
            target.setDaemon(true);
            target.start();
            try (Socket s = new Socket(loopback, port)) {
                s.setTcpNoDelay(true);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                byte[] request = new byte[REQUEST];
                byte[] response = new byte[RESPONSE];
                // warm-up: JIT and TCP autotuning
                long warmEnd = System.nanoTime() + 1_000_000_000L;
                while (System.nanoTime() < warmEnd) {
                    roundTrip(out, in, request, response);
                }
                int capacity = 4_000_000;
                int[] samples = new int[capacity];
                int n = 0;
                long start = System.nanoTime();
                long end = start + (long) (seconds * 1e9);
                long now = start;
                while (now < end) {
                    long t0 = now;
                    roundTrip(out, in, request, response);
                    now = System.nanoTime();
                    if (n < capacity) {
                        samples[n++] = (int) Math.min(Integer.MAX_VALUE, now - t0);
                    }
                }
                double elapsed = (now - start) / 1e9;
                java.util.Arrays.sort(samples, 0, n);
                long sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += samples[i];
                }
                System.out.printf("pingpong rtt_us=%.1f p50_us=%.1f rps=%.0f%n", sum / 1e3 / n,
                        samples[n / 2] / 1e3, n / elapsed);
            }
        }
    }

    private static void roundTrip(OutputStream out, InputStream in, byte[] request, byte[] response)
            throws IOException {
        out.write(request);
        readFully(in, response);
    }

    private static void serve(ServerSocket server) {
        try (Socket s = server.accept()) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] request = new byte[REQUEST];
            byte[] response = new byte[RESPONSE];
            while (true) {
                readFully(in, request);
                out.write(response); // one write: header and data leave together, as a gathering write would
            }
        } catch (IOException e) {
            // client closed: done
        }
    }

    private static void readFully(InputStream in, byte[] b) throws IOException {
        int done = 0;
        while (done < b.length) {
            int n = in.read(b, done, b.length - done);
            if (n < 0) {
                throw new IOException("closed");
            }
            done += n;
        }
    }
}
