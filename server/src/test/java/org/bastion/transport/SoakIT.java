package org.bastion.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.bastion.config.Settings;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;

/**
 * The soak of issue 15: a real {@link Server} under {@code -m 64} on loopback, several connections each writing,
 * reading and deleting its own keys with values of mixed random sizes from 1 B to 900 KB, for
 * {@code bastion.soak.seconds} (25 by default; {@code -Dbastion.soak.seconds=3600} for an hour).
 *
 * <p>Every value is determined by its key, a version and a length, and carries the key's id, the version, the length
 * and a CRC32 of itself in its bytes (when it is long enough), so a reply is checked byte for byte against what the
 * client last had acknowledged: a torn or corrupted value, another key's value, or an older version fails the test at
 * once. A miss of a value that was acknowledged is allowed only once the server has evicted something (it is then taken
 * as evicted); a hit after a delete or an observed miss fails. At the end {@code cmd_get}, {@code cmd_set},
 * {@code get_hits} and {@code get_misses} equal what the clients sent and saw.
 */
class SoakIT {
    private static final int CONNECTIONS = 6;
    private static final int KEYS_PER_CONNECTION = 300;
    private static final int MAX_VALUE = 900 * 1024;
    private static final long SECONDS = Long.getLong("bastion.soak.seconds", 25);
    /** Besides time, every loop is bounded in count. */
    private static final long MAX_OPS_PER_CONNECTION = 50_000_000L;

    /** What one connection sent and saw. */
    private static final class Tally {
        long gets;
        long sets;
        long hits;
        long misses;
        long evictedMisses;
        long bytesRead;
    }

    @Test
    void mixedSizesUnderSixtyFourMegabytes() throws Exception {
        Settings settings = Settings.builder().port(0).listen("127.0.0.1").memoryLimitMegabytes(64).threads(2).build();
        long heapBefore = heapAfterGc();
        try (Server server = Server.start(settings)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
            ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
            java.util.concurrent.atomic.AtomicLong peakDirect = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.ScheduledExecutorService sampler =
                    Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> peakDirect.accumulateAndGet(directInUse(), Math::max), 0, 200,
                    TimeUnit.MILLISECONDS);
            List<Future<Tally>> clients = new ArrayList<>();
            try {
                for (int c = 0; c < CONNECTIONS; c++) {
                    int id = c;
                    clients.add(pool.submit(() -> client(server.port(), id, deadline)));
                }
                Tally total = new Tally();
                for (Future<Tally> f : clients) {
                    Tally t = f.get(SECONDS + 120, TimeUnit.SECONDS);
                    total.gets += t.gets;
                    total.sets += t.sets;
                    total.hits += t.hits;
                    total.misses += t.misses;
                    total.evictedMisses += t.evictedMisses;
                    total.bytesRead += t.bytesRead;
                }
                Map<String, Long> stats = stats(server.port());
                System.out.printf("soak: %d s, %d connections: %d sets, %d gets (%d hits, %d misses of which %d of "
                        + "acknowledged values after evictions), %d MB of values read; server: %d evictions, "
                        + "%d bytes held%n", SECONDS, CONNECTIONS, total.sets, total.gets, total.hits, total.misses,
                        total.evictedMisses, total.bytesRead >> 20, stats.get("evictions"), stats.get("bytes"));
                assertEquals(total.gets, stats.get("cmd_get"), "cmd_get equals the keys asked for");
                assertEquals(total.sets, stats.get("cmd_set"), "cmd_set equals the sets sent");
                assertEquals(total.hits, stats.get("get_hits"), "get_hits");
                assertEquals(total.misses, stats.get("get_misses"), "get_misses");
                assertTrue(stats.get("bytes") <= 64L * 1024 * 1024, "the store within -m 64: " + stats.get("bytes"));
                assertTrue(total.sets > 100 && total.gets > 100, "the soak did work: " + total.sets + " sets");
                sampler.shutdownNow();
                // What clients made the server hold in Netty's buffers stayed within the budgets (input and output
                // totals together are three quarters of direct memory); and the heap holds the store, not more.
                long directBound = server.memoryBudget().inputBudget() + server.memoryBudget().outputBudget();
                long heapGrowth = heapAfterGc() - heapBefore;
                System.out.printf("soak: direct memory in use at most %d MB (budgets %d MB); heap after GC %d MB "
                        + "above its start%n", peakDirect.get() >> 20, directBound >> 20, heapGrowth >> 20);
                assertTrue(peakDirect.get() <= directBound, "direct memory in use " + peakDirect.get()
                        + " within the budgets " + directBound);
                assertTrue(heapGrowth <= 2 * 64L * 1024 * 1024, "heap grew by " + heapGrowth
                        + " bytes for a 64 MB store");
            } finally {
                sampler.shutdownNow();
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "clients ended");
            }
        }
    }

    /** Direct memory held by Netty's default allocator (every connection's buffers come from it). */
    private static long directInUse() {
        return io.netty.buffer.ByteBufAllocator.DEFAULT instanceof io.netty.buffer.ByteBufAllocatorMetricProvider m
                ? m.metric().usedDirectMemory() : 0;
    }

    /** Heap in use after a full collection (bounded: a few requests). */
    private static long heapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /** One connection's loop over its own keys: set, get (one key or three), delete, until the deadline. */
    private static Tally client(int port, int id, long deadline) throws IOException {
        SplittableRandom random = new SplittableRandom(0x5eed0000L + id);
        // Per key: the version and length last acknowledged, or absent (-1) after a delete or an observed miss.
        long[] version = new long[KEYS_PER_CONNECTION];
        int[] length = new int[KEYS_PER_CONNECTION];
        Arrays.fill(version, -1);
        Tally tally = new Tally();
        long nextVersion = 1;
        try (WireClient c = WireClient.connect(port)) {
            c.timeoutMillis(30_000);
            for (long op = 0; op < MAX_OPS_PER_CONNECTION && System.nanoTime() < deadline; op++) {
                int roll = random.nextInt(100);
                if (roll < 45) {
                    int k = random.nextInt(KEYS_PER_CONNECTION);
                    long v = nextVersion++;
                    int n = size(random);
                    byte[] value = value(id, k, v, n);
                    c.send(concat(("set " + key(id, k) + " " + flags(v) + " 0 " + n + "\r\n").getBytes(
                            StandardCharsets.ISO_8859_1), value, "\r\n".getBytes(StandardCharsets.ISO_8859_1)));
                    tally.sets++;
                    String reply = c.readLine();
                    if (!"STORED".equals(reply)) {
                        fail("set " + key(id, k) + " (" + n + " bytes) answered " + reply);
                    }
                    version[k] = v;
                    length[k] = n;
                } else if (roll < 90) {
                    int keys = random.nextInt(10) == 0 ? 3 : 1;
                    int[] ks = new int[keys];
                    StringBuilder line = new StringBuilder("get");
                    for (int i = 0; i < keys; i++) {
                        ks[i] = random.nextInt(KEYS_PER_CONNECTION);
                        line.append(' ').append(key(id, ks[i]));
                    }
                    c.send(line.append("\r\n").toString());
                    tally.gets += keys;
                    Map<String, byte[]> got = readValues(c, tally);
                    for (int k : ks) {
                        check(c, id, k, got.get(key(id, k)), version, length, tally);
                    }
                } else {
                    int k = random.nextInt(KEYS_PER_CONNECTION);
                    c.send("delete " + key(id, k) + "\r\n");
                    String reply = c.readLine();
                    if (version[k] >= 0 && !"DELETED".equals(reply) && !("NOT_FOUND".equals(reply) && evictions(c) > 0)) {
                        fail("delete of acknowledged " + key(id, k) + " answered " + reply);
                    }
                    if (version[k] < 0 && !"NOT_FOUND".equals(reply)) {
                        fail("delete of absent " + key(id, k) + " answered " + reply);
                    }
                    version[k] = -1;
                }
            }
        }
        return tally;
    }

    /** One key's reply against what was acknowledged for it. */
    private static void check(WireClient c, int id, int k, byte[] got, long[] version, int[] length, Tally tally)
            throws IOException {
        if (got == null) {
            tally.misses++;
            if (version[k] >= 0) {
                if (evictions(c) == 0) {
                    fail(key(id, k) + " version " + version[k] + " was acknowledged, is missing, and nothing was evicted");
                }
                tally.evictedMisses++;
                version[k] = -1; // evicted: from now on it must stay absent until set again
            }
            return;
        }
        tally.hits++;
        if (version[k] < 0) {
            fail(key(id, k) + " was deleted or evicted but answered " + describe(got));
        }
        byte[] expected = value(id, k, version[k], length[k]);
        if (!Arrays.equals(expected, got)) {
            fail(key(id, k) + ": expected version " + version[k] + " of " + length[k] + " bytes, got "
                    + describe(got));
        }
    }

    /** The VALUE blocks of one get reply up to END, by key; a value's flags must be its version's. */
    private static Map<String, byte[]> readValues(WireClient c, Tally tally) throws IOException {
        Map<String, byte[]> values = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            String line = c.readLine();
            if ("END".equals(line)) {
                return values;
            }
            String[] t = line == null ? new String[0] : line.split(" ");
            if (t.length != 4 || !t[0].equals("VALUE")) {
                fail("expected VALUE or END, got " + line);
            }
            byte[] data = c.readExactly(Integer.parseInt(t[3]) + 2);
            if (data[data.length - 2] != '\r' || data[data.length - 1] != '\n') {
                fail("value of " + t[1] + " not followed by CR LF");
            }
            byte[] value = Arrays.copyOf(data, data.length - 2);
            if (value.length >= HEADER + 4 && Long.parseLong(t[2]) != flags(ByteBuffer.wrap(value, 8, 8).getLong())) {
                fail("flags " + t[2] + " of " + t[1] + " are not its value's version's");
            }
            values.put(t[1], value);
            tally.bytesRead += value.length;
        }
        fail("more than 3 values in one reply");
        return values;
    }

    private static long evictions(WireClient c) throws IOException {
        c.send("stats\r\n");
        return parseStats(c.readUntil("END\r\n")).get("evictions");
    }

    private static Map<String, Long> stats(int port) throws IOException {
        try (WireClient c = WireClient.connect(port)) {
            c.send("stats\r\n");
            return parseStats(c.readUntil("END\r\n"));
        }
    }

    private static Map<String, Long> parseStats(String reply) {
        Map<String, Long> stats = new HashMap<>();
        for (String line : reply.split("\r\n")) {
            String[] t = line.split(" ");
            if (t.length == 3 && t[0].equals("STAT") && t[2].matches("\\d+")) {
                stats.put(t[1], Long.parseLong(t[2]));
            }
        }
        return stats;
    }

    // ---- values ----

    private static final int HEADER = 20;

    /** Mostly small, some medium, a tenth large: 1 B to 900 KB. */
    private static int size(SplittableRandom random) {
        int roll = random.nextInt(10);
        if (roll < 7) {
            return 1 + random.nextInt(1024);
        }
        if (roll < 9) {
            return 1024 + random.nextInt(63 * 1024);
        }
        return 64 * 1024 + random.nextInt(MAX_VALUE - 64 * 1024 + 1);
    }

    private static String key(int id, int k) {
        return "soak:" + id + ":" + k;
    }

    private static long flags(long version) {
        return version & 0x7fffffffL;
    }

    /**
     * The value of version {@code v} of a key, {@code n} bytes: the key's id, the version and the length (20 bytes),
     * bytes from a generator seeded by all three, and the CRC32 of all that in the last 4 bytes; a value shorter than
     * 24 bytes is a prefix of the generator's bytes.
     */
    static byte[] value(int id, int k, long v, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(((long) id << 48) ^ ((long) k << 32) ^ v ^ ((long) n << 20)).nextBytes(b);
        if (n >= HEADER + 4) {
            ByteBuffer.wrap(b).putInt(id).putInt(k).putLong(v).putInt(n);
            CRC32 crc = new CRC32();
            crc.update(b, 0, n - 4);
            ByteBuffer.wrap(b, n - 4, 4).putInt((int) crc.getValue());
        }
        return b;
    }

    /** What a wrong value is: torn (its checksum fails) or a whole value of another key or version. */
    private static String describe(byte[] got) {
        if (got.length < HEADER + 4) {
            return got.length + " bytes (too short to carry a checksum)";
        }
        ByteBuffer b = ByteBuffer.wrap(got);
        int id = b.getInt();
        int k = b.getInt();
        long v = b.getLong();
        int n = b.getInt();
        CRC32 crc = new CRC32();
        crc.update(got, 0, got.length - 4);
        boolean whole = ByteBuffer.wrap(got, got.length - 4, 4).getInt() == (int) crc.getValue() && n == got.length;
        return got.length + " bytes: " + (whole ? "a whole value of " + key(id, k) + " version " + v
                : "torn or corrupted (checksum or length wrong)");
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
