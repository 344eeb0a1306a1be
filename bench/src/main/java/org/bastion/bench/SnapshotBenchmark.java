package org.bastion.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bastion.snapshot.SnapshotFile;
import org.bastion.snapshot.Snapshots;
import org.bastion.stats.Stats;
import org.bastion.store.Clock;
import org.bastion.store.Key;
import org.bastion.store.Store;
import org.bastion.config.Settings;
import org.bastion.transport.Server;

/**
 * Snapshot throughput and what a periodic snapshot costs a running server.
 * <ol>
 * <li>Store level: fills a store with {@code items} items (values of 10 B to 2 KB, mixed TTLs), writes a snapshot
 * and loads it into a new store; prints MB/s and items/s of each.</li>
 * <li>Server level: a server with {@code --snapshot-file} is filled over the wire with {@code serverItems} items;
 * one client then times {@code get} round trips back to back, first alone and then while a snapshot is written (the
 * {@code snapshot} command, on another connection), and a sampler records the heap in use. Prints the round-trip
 * p50/p99/max in both phases (the event loops' pause, if any) and the extra heap during the write.</li>
 * </ol>
 *
 * <pre>
 * mvn -B -q package -DskipTests
 * java -Xmx6g -cp bench/target/benchmarks.jar org.bastion.bench.SnapshotBenchmark [items=1000000] [serverItems=500000] [dir=/tmp]
 * </pre>
 */
public final class SnapshotBenchmark {
    private SnapshotBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int items = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int serverItems = args.length > 1 ? Integer.parseInt(args[1]) : 500_000;
        Path dir = Files.createTempDirectory(Path.of(args.length > 2 ? args[2] : "/tmp"), "snapshot-bench");
        storeLevel(items, dir.resolve("store.snap"));
        serverLevel(serverItems, dir.resolve("server.snap"));
    }

    private static java.util.concurrent.ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "snapshot-bench");
            t.setDaemon(true);
            return t;
        };
    }

    private static void storeLevel(int items, Path file) throws Exception {
        Store store = new Store(Long.MAX_VALUE / 4, false, 1 << 20, Clock.system(), new Stats());
        for (int i = 0; i < items; i++) {
            store.write(Store.Mode.SET, Key.of("key:" + i), i, store.deadline(i % 3 == 0 ? 0 : 3600 + i % 7200),
                    new byte[10 + (i * 37) % 2000], 0, 0);
        }
        for (int round = 0; round < 2; round++) { // the first round warms the JIT up
            SnapshotFile.Written w = new Snapshots(store, file, 0, false, "bench", daemon(), line -> { })
                    .requestAndWait();
            System.out.printf(Locale.ROOT, "%swrite: %,d items, %.1f MB in %.2f s: %.1f MB/s, %,.0f items/s%n",
                    round == 0 ? "(warm-up) " : "", w.items(), w.bytes() / 1e6, w.seconds(),
                    w.bytes() / 1e6 / w.seconds(), w.items() / w.seconds());
        }
        long bytes = Files.size(file);
        for (int round = 0; round < 2; round++) {
            Store into = new Store(Long.MAX_VALUE / 4, false, 1 << 20, Clock.system(), new Stats());
            long t0 = System.nanoTime();
            Snapshots.Loaded loaded = new Snapshots(into, file, 0, false, "bench", daemon(), line -> { }).load();
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%sload (verify pass + load pass): %,d items, %.1f MB file in %.2f s:"
                    + " %.1f MB/s, %,.0f items/s%n", round == 0 ? "(warm-up) " : "", loaded.restored(), bytes / 1e6,
                    s, bytes / 1e6 / s, loaded.restored() / s);
        }
    }

    private static void serverLevel(int items, Path file) throws Exception {
        Settings settings = Settings.builder().port(0).threads(2).memoryLimitMegabytes(4096).snapshotFile(file)
                .build();
        try (Server server = Server.start(settings, Clock.system(), true);
                Socket load = new Socket("127.0.0.1", server.port());
                Socket probe = new Socket("127.0.0.1", server.port());
                Socket admin = new Socket("127.0.0.1", server.port())) {
            fill(load, items);
            probe.setTcpNoDelay(true);
            long[] alone = probeFor(probe, 3_000, null);
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            long heapBefore = memory.getHeapMemoryUsage().getUsed();
            long[] peak = {heapBefore};
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peak[0] = Math.max(peak[0], memory.getHeapMemoryUsage().getUsed());
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            long[] during = probeFor(probe, 60_000, admin);
            sampler.interrupt();
            report("get round trip, no snapshot", alone);
            report("get round trip, during the snapshot", during);
            System.out.printf(Locale.ROOT, "heap in use: %.0f MB before, peak %.0f MB during the write (+%.0f MB,"
                    + " young garbage included)%n", heapBefore / 1e6, peak[0] / 1e6, (peak[0] - heapBefore) / 1e6);
        }
    }

    /** Pipelined sets of 100..1100 B values, then one round trip so all are in. */
    private static void fill(Socket s, int items) throws IOException {
        OutputStream out = s.getOutputStream();
        byte[] value = new byte[1100];
        Arrays.fill(value, (byte) 'v');
        Thread drain = new Thread(() -> {
            try {
                s.getInputStream().transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // closed
            }
        });
        drain.setDaemon(true);
        for (int i = 0; i < items; i++) {
            int len = 100 + (i * 37) % 1000;
            out.write(("set key:" + i + " 0 0 " + len + " noreply\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(value, 0, len);
            out.write('\r');
            out.write('\n');
        }
        out.write("version\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64];
        int n = in.read(buf);
        if (n <= 0 || !new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("VERSION")) {
            throw new IllegalStateException("fill failed");
        }
    }

    /**
     * Round trips of {@code get key:1} for {@code millis}, or with {@code admin} until its {@code snapshot} command
     * has been answered.
     */
    private static long[] probeFor(Socket probe, long millis, Socket admin) throws IOException {
        OutputStream out = probe.getOutputStream();
        InputStream in = probe.getInputStream();
        byte[] request = "get key:1\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] buf = new byte[4096];
        long[] rtt = new long[2_000_000];
        int count = 0;
        InputStream adminIn = null;
        if (admin != null) {
            admin.getOutputStream().write("snapshot\r\n".getBytes(StandardCharsets.US_ASCII));
            adminIn = admin.getInputStream();
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end && count < rtt.length) {
            long t0 = System.nanoTime();
            out.write(request);
            int got = 0;
            while (got < 5 || buf[got - 5] != 'E' || buf[got - 3] != 'D') {
                int n = in.read(buf, got, buf.length - got);
                if (n < 0) {
                    throw new IOException("closed");
                }
                got += n;
            }
            rtt[count++] = System.nanoTime() - t0;
            if (adminIn != null && adminIn.available() > 0) {
                byte[] reply = adminIn.readNBytes(adminIn.available());
                System.out.println("snapshot command answered: " + new String(reply, StandardCharsets.US_ASCII).trim());
                break;
            }
        }
        return Arrays.copyOf(rtt, count);
    }

    private static void report(String what, long[] rtt) {
        long[] sorted = rtt.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "%s: %,d round trips, p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.1f ms%n",
                what, sorted.length, sorted[sorted.length / 2] / 1e3, sorted[(int) (sorted.length * 0.99)] / 1e3,
                sorted[(int) (sorted.length * 0.999)] / 1e3, sorted[sorted.length - 1] / 1e6);
    }
}
