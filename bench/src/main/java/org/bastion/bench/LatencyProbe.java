package org.bastion.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Latency as one client sees it while another tool loads the server: one connection sends {@code get} of a key every
 * millisecond (a key that may or may not be there; the reply ends with {@code END} either way), times each round trip,
 * and prints the percentiles and the longest. A collector's pauses show here as the slowest round trips, whatever the
 * collector. Only the JDK, so it runs as a single source file:
 *
 * <pre>java bench/src/main/java/org/bastion/bench/LatencyProbe.java &lt;port&gt; &lt;seconds&gt;</pre>
 *
 * Prints one line: {@code samples=N p50_us=.. p99_us=.. p999_us=.. max_us=..}.
 */
public final class LatencyProbe {
    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private LatencyProbe() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        long seconds = Long.parseLong(args[1]);
        // At most one sample per interval, so the array's bound is the run's length.
        long[] micros = new long[(int) Math.min(Integer.MAX_VALUE - 8, seconds * 1000 + 1)];
        int samples = 0;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long next = System.nanoTime();
            for (int i = 0; samples < micros.length && System.nanoTime() < end; i++) {
                byte[] request = String.format("get key:%010d\r\n", i % 1_000_000).getBytes(StandardCharsets.US_ASCII);
                long start = System.nanoTime();
                out.write(request);
                out.flush();
                readUntilEnd(in);
                micros[samples++] = (System.nanoTime() - start) / 1000;
                next += INTERVAL_NANOS;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } else {
                    next = System.nanoTime(); // a stall: go on from now rather than burst to catch up
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long[] sorted = Arrays.copyOf(micros, samples);
        Arrays.sort(sorted);
        System.out.printf("samples=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d%n", samples, at(sorted, 0.50),
                at(sorted, 0.99), at(sorted, 0.999), samples == 0 ? 0 : sorted[samples - 1]);
    }

    private static long at(long[] sorted, double quantile) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))];
    }

    /** Reads one get reply: optional {@code VALUE} line and data, then {@code END}. */
    private static void readUntilEnd(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed by the server");
            }
            if (c != '\n') {
                line.append((char) c);
                continue;
            }
            String l = line.toString().trim();
            line.setLength(0);
            if (l.equals("END")) {
                return;
            }
            if (l.startsWith("VALUE ")) {
                int bytes = Integer.parseInt(l.substring(l.lastIndexOf(' ') + 1));
                in.skipNBytes(bytes + 2);
            } else {
                throw new IOException("unexpected reply: " + l);
            }
        }
    }
}
