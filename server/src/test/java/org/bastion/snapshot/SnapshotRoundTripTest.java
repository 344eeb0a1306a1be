package org.bastion.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;
import org.bastion.stats.Stats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store written to a snapshot and loaded into a new store: every item back with its value, flags and CAS, TTLs
 * still counting down from where they were (the clocks move on between the two), CAS counter above the loaded ones,
 * and changes of {@code -m} and {@code -I} between the runs handled and counted.
 */
class SnapshotRoundTripTest {
    /** The issue asks for 1,000,000; -Dbastion.snapshot.items=N runs another count. */
    static final int ITEMS = Integer.getInteger("bastion.snapshot.items", 1_000_000);
    static final long WALL = 1_800_000_000_000L;

    @TempDir
    Path dir;

    private static byte[] key(int i) {
        return ("key:" + i).getBytes(StandardCharsets.US_ASCII);
    }

    /** Mixed sizes: mostly small, every 1000th 20 KB, every 100,000th 300 KB; filled from the index. */
    private static byte[] value(int i) {
        int size = i % 100_000 == 7 ? 300_000 : i % 1000 == 3 ? 20_000 : 1 + (i * 31) % 120;
        byte[] v = new byte[size];
        for (int k = 0; k < size; k++) {
            v[k] = (byte) (i + k);
        }
        return v;
    }

    /** Mixed TTLs in seconds: 0 (never) for a third, a minute to a day for the rest. */
    private static long ttl(int i) {
        return i % 3 == 0 ? 0 : 60 + (i % 86_400);
    }

    private static Snapshots service(Store store, Path file, List<String> log) {
        return new Snapshots(store, file, 0, false, "test-1.0", daemon(), log::add);
    }

    static java.util.concurrent.ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "snapshot-test");
            t.setDaemon(true);
            return t;
        };
    }

    @Test
    void everyItemSurvivesWithFlagsValueCasAndRemainingTtl() throws Exception {
        Path file = dir.resolve("cache.snap");
        ManualClock before = new ManualClock(WALL);
        Store a = new Store(8L << 30, false, 1 << 20, before, new Stats());
        long[] cas = new long[ITEMS];
        for (int i = 0; i < ITEMS; i++) {
            Item item = a.write(Store.Mode.SET, Key.of(key(i)), i * 7, a.deadline(ttl(i)), value(i), 0, 0).item();
            cas[i] = item.cas;
        }
        // One already-expired-by-load item: 2 s TTL, and the restart takes 3 s.
        a.write(Store.Mode.SET, Key.of("short"), 1, a.deadline(2), new byte[] {1}, 0, 0);
        List<String> log = new ArrayList<>();
        SnapshotFile.Written written = service(a, file, log).requestAndWait();
        assertEquals(ITEMS + 1, written.items());
        assertTrue(Files.size(file) > 0);
        a = null; // the second store must not need the first one's heap too

        ManualClock after = new ManualClock(WALL + 3_000);
        Store b = new Store(8L << 30, false, 1 << 20, after, new Stats());
        Snapshots.Loaded loaded = service(b, file, log).load();
        assertEquals(ITEMS, loaded.restored(), loaded.summary());
        assertEquals(1, loaded.expired(), loaded.summary());
        assertEquals(0, loaded.leftOut());
        long maxCas = 0;
        for (int i = 0; i < ITEMS; i++) {
            Item item = b.peek(Key.of(key(i)));
            assertNotNull(item, "item " + i);
            assertArrayEquals(value(i), item.value, "value " + i);
            assertEquals(i * 7, item.flags, "flags " + i);
            assertEquals(cas[i], item.cas, "cas " + i);
            maxCas = Math.max(maxCas, cas[i]);
            if (ttl(i) == 0) {
                assertEquals(Item.NEVER, item.expiresAt, "never expires " + i);
            } else {
                long leftSeconds = (item.expiresAt - after.nanoTime()) / 1_000_000_000L;
                long expected = ttl(i) - 3;
                assertTrue(Math.abs(leftSeconds - expected) <= 1, "ttl " + i + ": " + leftSeconds + " vs " + expected);
            }
        }
        assertNull(b.peek(Key.of("short")), "expired while the server was down");
        long next = b.write(Store.Mode.SET, Key.of("new"), 0, 0, new byte[] {2}, 0, 0).item().cas;
        assertTrue(next > maxCas, "new writes get higher CAS values: " + next + " vs " + maxCas);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("snapshot write") && l.contains("durable")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("loaded " + ITEMS + " items")), log.toString());
    }

    @Test
    void smallerMemoryLimitKeepsFewerItemsAndCountsTheRest() throws Exception {
        Path file = dir.resolve("m.snap");
        ManualClock clock = new ManualClock(WALL);
        Store big = new Store(64L << 20, false, 1 << 20, clock, new Stats());
        for (int i = 0; i < 20_000; i++) {
            big.write(Store.Mode.SET, Key.of(key(i)), 0, 0, new byte[1000], 0, 0);
        }
        service(big, file, new ArrayList<>()).requestAndWait();
        Store small = new Store(8L << 20, false, 1 << 20, clock, new Stats());
        Snapshots.Loaded loaded = service(small, file, new ArrayList<>()).load();
        assertEquals(20_000, loaded.read());
        assertTrue(loaded.leftOut() > 0, loaded.summary());
        assertEquals(small.itemCount(), loaded.restored(), loaded.summary());
        assertEquals(20_000, loaded.restored() + loaded.leftOut(), loaded.summary());
        assertTrue(small.weightedBytes() <= 8L << 20);
    }

    /**
     * Under a smaller {@code -m} the load keeps the most recently used items: the file holds them first. 20,000 items
     * of 1 KB, the 2,000 read last spread over the key space; an 8 MB store holds about a third of them all.
     */
    @Test
    void smallerMemoryLimitKeepsTheRecentlyUsedItems() throws Exception {
        Path file = dir.resolve("recent.snap");
        ManualClock clock = new ManualClock(WALL);
        Store big = new Store(64L << 20, false, 1 << 20, clock, new Stats());
        for (int i = 0; i < 20_000; i++) {
            big.write(Store.Mode.SET, Key.of(key(i)), 0, 0, new byte[1000], 0, 0);
        }
        clock.advance(5, java.util.concurrent.TimeUnit.SECONDS);
        for (int i = 0; i < 20_000; i += 10) {
            assertNotNull(big.get(Key.of(key(i))));
        }
        service(big, file, new ArrayList<>()).requestAndWait();
        Store small = new Store(8L << 20, false, 1 << 20, clock, new Stats());
        Snapshots.Loaded loaded = service(small, file, new ArrayList<>()).load();
        int recentKept = 0;
        for (int i = 0; i < 20_000; i += 10) {
            recentKept += small.peek(Key.of(key(i))) != null ? 1 : 0;
        }
        // In file (hash) order about a third of them stayed, as of any other 2,000 items.
        assertTrue(recentKept >= 1_900, recentKept + " of the 2,000 recently used kept of " + loaded.restored());
    }

    @Test
    void smallerItemSizeLimitRefusesLargerValuesAndCountsThem() throws Exception {
        Path file = dir.resolve("i.snap");
        ManualClock clock = new ManualClock(WALL);
        Store before = new Store(64L << 20, false, 1 << 20, clock, new Stats());
        before.write(Store.Mode.SET, Key.of("small"), 3, 0, new byte[1000], 0, 0);
        before.write(Store.Mode.SET, Key.of("large"), 4, 0, new byte[500_000], 0, 0);
        service(before, file, new ArrayList<>()).requestAndWait();
        Store after = new Store(64L << 20, false, 100_000, clock, new Stats());
        Snapshots.Loaded loaded = service(after, file, new ArrayList<>()).load();
        assertEquals(1, loaded.restored());
        assertEquals(1, loaded.refused());
        assertNotNull(after.peek(Key.of("small")));
        assertNull(after.peek(Key.of("large")));
        // And a larger -I takes everything.
        Store larger = new Store(64L << 20, false, 2 << 20, clock, new Stats());
        assertEquals(2, service(larger, file, new ArrayList<>()).load().restored());
    }
}
