package org.bastion.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bastion.config.Settings;
import org.junit.jupiter.api.Test;
import org.bastion.stats.Stat;
import org.bastion.stats.Stats;
import org.bastion.stats.StatsReport;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;
import org.bastion.testing.TestServers;

/** {@link Store} semantics on a {@link ManualClock}: expiry, CAS, incr/decr, append/prepend, flush and memory limits. */
class StoreTest {
    private static final long WALL_NOW_SECONDS = 1_700_000_000L;

    private final ManualClock clock = new ManualClock(WALL_NOW_SECONDS * 1000);
    private final Stats stats = new Stats();
    private final Store store = new Store(64L * 1024 * 1024, false, clock, stats);

    private static Key key(String k) {
        return Key.of(k);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private Store.StoreResult set(String k, String value, long exptime) {
        return store.write(Store.Mode.SET, key(k), 0, store.deadline(exptime), bytes(value), 0, 0).result();
    }

    private String value(String k) {
        Item item = store.get(key(k));
        return item == null ? null : new String(item.value, StandardCharsets.US_ASCII);
    }

    private void advanceSeconds(long seconds) {
        clock.advance(seconds, TimeUnit.SECONDS);
    }

    @Test
    void exptimeZeroNeverExpires() {
        set("a", "x", 0);
        advanceSeconds(365L * 24 * 3600);
        assertEquals("x", value("a"));
    }

    @Test
    void relativeExptimeExpiresAfterThatManySeconds() {
        set("a", "x", 10);
        advanceSeconds(9);
        assertEquals("x", value("a"));
        advanceSeconds(1);
        assertNull(value("a"));
    }

    @Test
    void thirtyDaysIsStillRelative() {
        set("a", "x", Store.MAX_RELATIVE_EXPTIME);
        advanceSeconds(Store.MAX_RELATIVE_EXPTIME - 1);
        assertEquals("x", value("a"));
        advanceSeconds(1);
        assertNull(value("a"));
    }

    @Test
    void moreThanThirtyDaysIsAnAbsoluteUnixTime() {
        set("a", "x", WALL_NOW_SECONDS + 100);
        advanceSeconds(99);
        assertEquals("x", value("a"));
        advanceSeconds(1);
        assertNull(value("a"));
    }

    @Test
    void negativeExptimeIsStoredButNeverSeen() {
        assertEquals(Store.StoreResult.STORED, set("a", "x", -1));
        assertNull(value("a"));
        assertEquals(Store.StoreResult.NOT_STORED,
                store.write(Store.Mode.REPLACE, key("a"), 0, Item.NEVER, bytes("y"), 0, 0).result(), "nothing to replace");
    }

    @Test
    void absoluteTimeInThePastIsExpiredAtOnce() {
        assertEquals(Store.StoreResult.STORED, set("a", "x", Store.MAX_RELATIVE_EXPTIME + 1));
        assertNull(value("a"));
        assertEquals(Store.StoreResult.STORED, set("b", "x", WALL_NOW_SECONDS - 1));
        assertNull(value("b"));
    }

    @Test
    void touchSetsANewDeadlineAndKeepsTheCas() {
        set("a", "x", 10);
        long cas = store.get(key("a")).cas;
        advanceSeconds(5);
        Item touched = store.touch(key("a"), store.deadline(100));
        assertNotNull(touched);
        assertEquals(cas, touched.cas);
        advanceSeconds(90);
        assertEquals("x", value("a"));
        assertNull(store.touch(key("missing"), store.deadline(100)));
        assertNotNull(store.touch(key("a"), store.deadline(-1)), "touch reports the item it expired");
        assertNull(value("a"));
    }

    @Test
    void everyWriteGetsANewUniqueCas() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            set("k" + (i % 10), "v" + i, 0);
            assertTrue(seen.add(store.get(key("k" + (i % 10))).cas), "CAS reused at write " + i);
        }
        set("n", "1", 0);
        long before = store.get(key("n")).cas;
        store.delta(key("n"), true, 1);
        assertNotEquals(before, store.get(key("n")).cas, "incr changes the CAS");
    }

    @Test
    void casStoresOnlyOnAMatchingUnique() {
        assertEquals(Store.StoreResult.NOT_FOUND, store.write(Store.Mode.CAS, key("a"), 0, Item.NEVER, bytes("y"), 1, 0).result());
        set("a", "x", 0);
        long cas = store.get(key("a")).cas;
        assertEquals(Store.StoreResult.EXISTS, store.write(Store.Mode.CAS, key("a"), 0, Item.NEVER, bytes("y"), cas + 1, 0).result());
        assertEquals("x", value("a"));
        assertEquals(Store.StoreResult.STORED, store.write(Store.Mode.CAS, key("a"), 7, Item.NEVER, bytes("y"), cas, 0).result());
        assertEquals("y", value("a"));
        assertEquals(7, store.get(key("a")).flags);
        assertEquals(Store.StoreResult.EXISTS, store.write(Store.Mode.CAS, key("a"), 0, Item.NEVER, bytes("z"), cas, 0).result(),
                "a unique is good for one write only");
    }

    @Test
    void incrWrapsAt2To64() {
        set("n", "18446744073709551615", 0);
        Store.DeltaResult r = store.delta(key("n"), true, 1);
        assertEquals(Store.DeltaResult.Kind.OK, r.kind());
        assertEquals(0, r.value());
        set("n", "18446744073709551610", 0);
        assertEquals("18446744073709551615", Long.toUnsignedString(store.delta(key("n"), true, 5).value()));
        assertEquals(4, store.delta(key("n"), true, 5).value());
    }

    @Test
    void decrStopsAtZeroAndPadsWithSpaces() {
        set("n", "100", 0);
        assertEquals(99, store.delta(key("n"), false, 1).value());
        assertEquals("99 ", value("n"));
        assertEquals(0, store.delta(key("n"), false, 1000).value());
        assertEquals("0  ", value("n"));
        set("n", "5", 0);
        assertEquals(0, store.delta(key("n"), false, -1L).value(), "a delta of 2^64-1 still stops at zero");
    }

    @Test
    void incrThatLengthensStoresTheLongerNumber() {
        set("n", "99", 0);
        assertEquals(100, store.delta(key("n"), true, 1).value());
        assertEquals("100", value("n"));
    }

    @Test
    void incrOnNonNumericOrMissingValues() {
        assertEquals(Store.DeltaResult.Kind.NOT_FOUND, store.delta(key("n"), true, 1).kind());
        for (String bad : new String[] {"abc", "12abc", "", "18446744073709551616", "-1"}) {
            set("n", bad, 0);
            assertEquals(Store.DeltaResult.Kind.NON_NUMERIC, store.delta(key("n"), true, 1).kind(), "'" + bad + "'");
        }
        set("n", " 12", 0);
        assertEquals(13, store.delta(key("n"), true, 1).value(), "leading spaces are skipped, as strtoull does");
    }

    @Test
    void incrKeepsFlagsAndExpiry() {
        store.write(Store.Mode.SET, key("n"), 42, store.deadline(10), bytes("1"), 0, 0).result();
        store.delta(key("n"), true, 1);
        Item item = store.get(key("n"));
        assertEquals(42, item.flags);
        advanceSeconds(10);
        assertNull(value("n"));
    }

    @Test
    void appendAndPrependKeepFlagsAndExpiry() {
        store.write(Store.Mode.SET, key("a"), 5, store.deadline(100), bytes("b"), 0, 0).result();
        advanceSeconds(50);
        assertEquals(Store.StoreResult.STORED,
                store.write(Store.Mode.APPEND, key("a"), 9, store.deadline(1000), bytes("c"), 0, 0).result());
        assertEquals(Store.StoreResult.STORED,
                store.write(Store.Mode.PREPEND, key("a"), 7, store.deadline(0), bytes("a"), 0, 0).result());
        assertEquals("abc", value("a"));
        assertEquals(5, store.get(key("a")).flags);
        advanceSeconds(49);
        assertEquals("abc", value("a"));
        advanceSeconds(1);
        assertNull(value("a"), "the original expiry still holds");
        assertEquals(Store.StoreResult.NOT_STORED,
                store.write(Store.Mode.APPEND, key("a"), 0, Item.NEVER, bytes("x"), 0, 0).result());
    }

    @Test
    void flushAllNowHidesEverythingStoredBefore() {
        set("a", "x", 0);
        set("b", "y", 0);
        store.flushAll(0);
        assertNull(value("a"));
        assertNull(value("b"));
        set("c", "z", 0);
        assertEquals("z", value("c"), "items stored after the flush live");
        assertEquals(Store.StoreResult.STORED, store.write(Store.Mode.ADD, key("a"), 0, Item.NEVER, bytes("n"), 0, 0).result(),
                "a flushed item does not block add");
    }

    @Test
    void flushAllIgnoresClientChosenCas() {
        // Issue 15 item 6: items written with meta's E carry any CAS; the flush cut-off must not depend on it.
        store.write(Store.Mode.SET, key("high"), 0, Item.NEVER, bytes("x"), 0, Long.MAX_VALUE);
        store.write(Store.Mode.SET, key("max"), 0, Item.NEVER, bytes("y"), 0, -1L);
        assertEquals("y", value("max"), "E18446744073709551615 is visible before any flush");
        store.flushAll(0);
        assertNull(value("high"), "an item with a high explicit CAS is flushed");
        assertNull(value("max"));
        // The clock has not moved: items written after the flush in the same nanosecond still live.
        store.write(Store.Mode.SET, key("low"), 0, Item.NEVER, bytes("z"), 0, 1);
        assertEquals("z", value("low"), "an item with a low explicit CAS written after the flush is visible");
        store.metaDelta(key("n"), true, 1, 0, true, 5, Item.NEVER, Store.KEEP, 3);
        assertEquals("5", value("n"));
        store.write(Store.Mode.ADD, key("added"), 0, Item.NEVER, bytes("a"), 0, 2);
        assertEquals("a", value("added"));
    }

    @Test
    void delayedFlushAllCutsOffAtItsTime() {
        set("before", "x", 0);
        store.flushAll(10);
        advanceSeconds(5);
        set("during", "y", 0);
        assertEquals("x", value("before"));
        assertEquals("y", value("during"));
        advanceSeconds(5);
        assertNull(value("before"));
        assertNull(value("during"), "stored before the cut-off");
        set("after", "z", 0);
        advanceSeconds(100);
        assertEquals("z", value("after"), "items stored after the cut-off live");
    }

    @Test
    void negativeFlushDelayFlushesNow() {
        set("a", "x", 0);
        store.flushAll(-1);
        assertNull(value("a"));
    }

    @Test
    void deleteRemovesOnlyLiveItems() {
        set("a", "x", 0);
        assertTrue(store.delete(key("a")));
        assertNull(value("a"));
        set("b", "x", -1);
        assertEquals(false, store.delete(key("b")), "an expired item is not found");
    }

    @Test
    void evictionUnderASmallMemoryLimitIsCounted() {
        Settings settings = Settings.builder().threads(1).memoryLimitMegabytes(1).maxItemSize(64 * 1024).build();
        Stats counters = new Stats();
        Store small = new Store(settings.memoryLimitBytes(), false, clock, counters);
        byte[] value = new byte[1000];
        for (int i = 0; i < 5000; i++) {
            small.write(Store.Mode.SET, Key.of("key" + i), 0, small.deadline(0), value, 0, 0);
        }
        long items = small.itemCount();
        assertTrue(items < 5000 && items > 100, items + " items");
        assertTrue(small.weightedBytes() <= 1024 * 1024, small.weightedBytes() + " bytes");
        long evictions = counters.evictions.sum();
        assertTrue(evictions >= 5000 - items, evictions + " evictions for " + items + " items left");
        List<Stat> figures = new ArrayList<>();
        new StatsReport(small, counters, settings, new TestServers.FakeControl()).general(figures);
        assertTrue(figures.contains(new Stat("evictions", Long.toString(evictions))), figures.toString());
        assertTrue(figures.contains(new Stat("curr_items", Long.toString(items))), figures.toString());
        assertTrue(figures.contains(new Stat("limit_maxbytes", "1048576")), figures.toString());
    }

    @Test
    void weightCountsKeyValueAndOverhead() {
        set("abc", "12345", 0);
        // The key object of 3 bytes is 24 B of heap (header, hash, one long holding its length and bytes).
        assertEquals(24 + 5 + Store.ENTRY_OVERHEAD, store.weightedBytes());
    }

    @Test
    void withEvictionsDisabledAFullStoreAnswersOutOfMemory() {
        Store full = new Store(1024 * 1024, true, clock, stats);
        byte[] value = new byte[1000];
        int stored = 0;
        Store.StoreResult last = null;
        for (int i = 0; i < 5000; i++) {
            last = full.write(Store.Mode.SET, Key.of("key" + i), 0, Item.NEVER, value, 0, 0).result();
            if (last != Store.StoreResult.STORED) {
                break;
            }
            stored++;
        }
        assertEquals(Store.StoreResult.NO_MEMORY, last);
        assertTrue(stored > 500, stored + " stored");
        assertEquals(stored, full.itemCount(), "nothing was evicted");
        assertEquals(0, stats.evictions.sum());
        assertArrayEquals(value, full.get(Key.of("key0")).value, "the oldest item is still there");
    }

    @Test
    void expiredItemsAreReclaimedByTheSweepOfLaterWritesWithoutBeingRead() {
        for (int i = 0; i < 100; i++) {
            store.write(Store.Mode.SET, Key.of("ttl" + i), 0, store.deadline(10), bytes("v"), 0, 0);
        }
        set("keep", "x", 0);
        advanceSeconds(11);
        // Within the 2 s grace an expired item stays, so a read still counts it in get_expired.
        for (int i = 0; i < 200; i++) {
            set("fresh" + (i % 3), "y", 0);
        }
        assertEquals(104, store.itemCount(), "nothing reclaimed within the grace period");
        advanceSeconds(2);
        for (int i = 0; i < 200; i++) {
            set("fresh" + (i % 3), "y", 0);
        }
        assertEquals(4, store.itemCount(), "the 100 expired items were reclaimed");
        assertEquals(4 * (Store.ENTRY_OVERHEAD + 24 + 1), store.weightedBytes(), "keep and fresh0-2: keys of 24 B");
        assertEquals("x", value("keep"));
        assertEquals(0, stats.getExpired.sum(), "reclaiming is not a read");
    }

    @Test
    void withEvictionsDisabledExpiredItemsMakeRoomBeforeOutOfMemory() {
        Store full = new Store(1024 * 1024, true, clock, stats);
        byte[] value = new byte[1000];
        int stored = 0;
        for (int i = 0; i < 5000; i++) {
            Store.StoreResult r = full.write(Store.Mode.ADD, Key.of("key" + i), 0, full.deadline(5), value, 0, 0)
                    .result();
            if (r != Store.StoreResult.STORED) {
                assertEquals(Store.StoreResult.NO_MEMORY, r);
                break;
            }
            stored++;
        }
        assertTrue(stored > 500 && stored < 5000, stored + " stored");
        advanceSeconds(8);
        for (int i = 0; i < stored; i++) {
            assertEquals(Store.StoreResult.STORED,
                    full.write(Store.Mode.ADD, Key.of("kez" + i), 0, Item.NEVER, value, 0, 0).result(), "write " + i);
        }
        assertEquals(stored, full.itemCount(), "every expired item made room for a new one");
        assertEquals(Store.StoreResult.NO_MEMORY,
                full.write(Store.Mode.ADD, Key.of("one more"), 0, Item.NEVER, value, 0, 0).result());
    }

    /**
     * memcached counts {@code expired_unfetched} when it reclaims a dead item nobody read, never on a read: a read of
     * an expired item counts only {@code get_expired}; a write over an unread expired item, and the sweeper taking one,
     * count it; an item read before it expired counts in neither.
     */
    @Test
    void expiredUnfetchedCountsReclaimedUnreadItemsNotReads() {
        set("read-late", "v", 5);
        set("rewritten", "v", 5);
        set("read-early", "v", 5);
        set("swept", "v", 5);
        assertNotNull(value("read-early"));
        // Expired, but within the sweeper's grace: only the writes below take their places.
        advanceSeconds(6);
        assertNull(value("read-late"));
        assertEquals(1, stats.getExpired.sum());
        assertEquals(0, stats.expiredUnfetched.sum(), "a read is not a reclaim");
        set("rewritten", "w", 0);
        assertEquals(1, stats.reclaimed.sum());
        assertEquals(1, stats.expiredUnfetched.sum(), "the write took an unread expired item's place");
        set("read-early", "w", 0);
        assertEquals(2, stats.reclaimed.sum());
        assertEquals(1, stats.expiredUnfetched.sum(), "that one had been read");
        advanceSeconds(10);
        for (int i = 0; i < 50 && store.itemCount() > 2; i++) {
            set("filler" + i, "v", 0);
            store.delete(key("filler" + i));
        }
        assertEquals(2, store.itemCount(), "the sweep took the last expired item");
        assertEquals(2, stats.expiredUnfetched.sum(), "unread when swept");
        assertEquals(1, stats.getExpired.sum());
    }

    @Test
    void writesSweepOnlyOnceAnItemWithADeadlineWasStored() {
        assertFalse(store.sweepsOnWrite(), "an empty store has nothing to expire");
        store.write(Store.Mode.SET, key("forever"), 0, Item.NEVER, bytes("v"), 0, 0);
        store.write(Store.Mode.ADD, key("forever2"), 0, Item.NEVER, bytes("v"), 0, 0);
        assertFalse(store.sweepsOnWrite(), "items without a deadline never expire");
        store.write(Store.Mode.APPEND, key("forever"), 0, store.deadline(5), bytes("w"), 0, 0);
        assertFalse(store.sweepsOnWrite(), "append keeps the item's own deadline (none)");
        assertNotNull(store.touch(key("forever2"), store.deadline(5)));
        assertTrue(store.sweepsOnWrite(), "a touch gives the item a deadline");
        assertTrue(store.delete(key("forever2")));
        assertTrue(store.sweepsOnWrite(), "and the sweep stays on");

        Store other = new Store(64L * 1024 * 1024, false, clock, new Stats());
        other.write(Store.Mode.SET, key("ttl"), 0, other.deadline(5), bytes("v"), 0, 0);
        assertTrue(other.sweepsOnWrite(), "a set with a deadline");
        advanceSeconds(10);
        other.write(Store.Mode.SET, key("a"), 0, Item.NEVER, bytes("v"), 0, 0);
        other.write(Store.Mode.SET, key("b"), 0, Item.NEVER, bytes("v"), 0, 0);
        assertEquals(2, other.itemCount(), "the expired item was swept by the writes after it");
    }

    @Test
    void itemsHiddenByFlushAllGiveWayToNewWritesWithoutBeingRead() {
        // A small store full of items read often: Caffeine's admission thinks them valuable. After flush_all the
        // writes' sweep must take them, or new items are turned away in favour of the dead (found from outside: 37 of
        // 60 new values evicted after a flush).
        Stats counters = new Stats();
        Store small = new Store(256L * 1024, false, clock, counters);
        byte[] value = new byte[1000];
        int held = 0;
        for (int i = 0; i < 400; i++) {
            small.write(Store.Mode.SET, key("old" + i), 0, Item.NEVER, value, 0, 0);
        }
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 400; i++) {
                small.get(key("old" + i));
            }
        }
        held = (int) small.itemCount();
        assertTrue(held > 100 && held < 400, held + " items held");
        long evictedBefore = counters.evictions.sum();
        small.flushAll(0);

        for (int i = 0; i < held; i++) {
            small.write(Store.Mode.SET, key("new" + i), 0, Item.NEVER, value, 0, 0);
        }
        assertEquals(evictedBefore, counters.evictions.sum(), "no new item was evicted while flushed ones remained");
        assertEquals(held, small.itemCount(), "the flushed items are gone, unread");
        for (int i = 0; i < held; i++) {
            assertNotNull(small.get(key("new" + i)), "new" + i);
        }
        assertEquals(0, counters.getFlushed.sum(), "nobody read a flushed item");
        assertEquals(0, counters.expiredUnfetched.sum(), "flushed items are not expired ones");
    }

    @Test
    void aDelayedFlushStartsItsPassWhenItsTimeComes() {
        for (int i = 0; i < 300; i++) {
            set("old" + i, "v", 0);
        }
        store.flushAll(10);
        set("during", "v", 0);
        assertEquals(301, store.itemCount(), "nothing is flushed before the cut-off");
        advanceSeconds(11);
        for (int i = 0; i < 5; i++) {
            set("after" + i, "v", 0);
        }
        assertEquals(5, store.itemCount(), "written after the cut-off: only these stay");
        assertEquals("v", value("after0"));
        assertNull(value("during"));
    }

    @Test
    void withEvictionsOffAFlushFreesRoomForTheNextWrite() {
        Store full = new Store(64L * 1024, true, clock, new Stats());
        byte[] value = new byte[1000];
        int stored = 0;
        while (full.write(Store.Mode.SET, key("k" + stored), 0, Item.NEVER, value, 0, 0).result()
                == Store.StoreResult.STORED) {
            stored++;
            assertTrue(stored < 1000, "-M must refuse at some point");
        }
        full.flushAll(0);
        assertEquals(Store.StoreResult.STORED,
                full.write(Store.Mode.SET, key("after"), 0, Item.NEVER, value, 0, 0).result(),
                "memcached reuses flushed items' memory; so does Bastion");
    }

    @Test
    void theSweepUnderConcurrentWritersReclaimsOnlyExpiredItems() throws Exception {
        int threads = 4;
        int perThread = 2000;
        List<Thread> writers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int id = t;
            writers.add(new Thread(() -> {
                try {
                    for (int i = 0; i < perThread; i++) {
                        // Every other item lives 5 s; the others never expire and must all survive the sweep.
                        long deadline = i % 2 == 0 ? store.deadline(5) : Item.NEVER;
                        store.write(Store.Mode.SET, key("w" + id + ":" + i), 0, deadline, bytes("v" + id + ":" + i),
                                0, 0);
                        if (i == perThread / 2 && id == 0) {
                            advanceSeconds(10);
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        writers.forEach(Thread::start);
        for (Thread w : writers) {
            w.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertTrue(failures.isEmpty(), failures.toString());
        advanceSeconds(10);
        for (int i = 0; i < 4 * threads * perThread; i++) {
            set("tick" + (i % 8), "t", 0);
        }
        assertEquals(threads * perThread / 2 + 8, store.itemCount(), "only the never-expiring items and ticks remain");
        for (int t = 0; t < threads; t++) {
            for (int i = 1; i < perThread; i += 2) {
                assertEquals("v" + t + ":" + i, value("w" + t + ":" + i));
            }
        }
    }

    @Test
    void aWriteOverAnExpiredOrFlushedItemIsCountedAsReclaimed() {
        set("a", "x", 1);
        set("a", "y", 0);
        assertEquals(0, stats.reclaimed.sum(), "a live item replaced is not reclaimed");
        set("a", "x", 1);
        advanceSeconds(1);
        assertEquals(Store.StoreResult.STORED,
                store.write(Store.Mode.ADD, key("a"), 0, Item.NEVER, bytes("y"), 0, 0).result());
        assertEquals(1, stats.reclaimed.sum(), "an add over an expired item");
        // memcached's t/issue_183.t: the sweep that follows a flush spares the key being written.
        for (int i = 0; i < 100; i++) {
            set("other" + i, "v", 0);
        }
        store.flushAll(0);
        set("a", "z", 0);
        assertEquals(2, stats.reclaimed.sum(), "a set over a flushed item");
        assertEquals(1, store.itemCount(), "and the write's sweep took the other flushed items");
        store.flushAll(1);
        advanceSeconds(1);
        set("a", "z", 0);
        assertEquals(3, stats.reclaimed.sum(), "a set over an item a delayed flush hid");
        store.flushAll(1);
        advanceSeconds(1);
        store.metaDelta(key("a"), true, 1, 0, true, 5, Item.NEVER, Store.KEEP, 0);
        assertEquals(4, stats.reclaimed.sum(), "an incr that created over a flushed item");
        store.flushAll(1);
        advanceSeconds(1);
        assertEquals(Store.StoreResult.NOT_STORED,
                store.write(Store.Mode.REPLACE, key("a"), 0, Item.NEVER, bytes("y"), 0, 0).result());
        assertEquals(4, stats.reclaimed.sum(), "a write that stored nothing is not counted");
        set("b", "x", 0);
        assertEquals(4, stats.reclaimed.sum(), "a write to a key with no item");
        stats.reset();
        assertEquals(0, stats.reclaimed.sum());
    }

    @Test
    void anItemWrittenExpiredKeepsNoValueAndIsCountedInGetExpired() {
        set("a", "x".repeat(1000), -1);
        assertEquals(Store.weigh(key("a"), 0), store.weightedBytes(), "the value is dropped at once");
        advanceSeconds(1);
        set("z", "x", 0);
        set("z", "x", 0);
        assertNull(value("a"));
        assertEquals(1, stats.getExpired.sum(), "a read finds it expired, as memcached's does");
        assertEquals(1, store.itemCount(), "z alone: the read removed it");
        set("b", "x", Store.MAX_RELATIVE_EXPTIME + 1);
        assertEquals(Store.StoreResult.STORED, store.write(Store.Mode.ADD, key("b"), 0, Item.EXPIRED, bytes("y"), 0,
                0).result(), "nothing live to refuse the add");
        assertNull(value("b"));
        assertEquals(2, stats.getExpired.sum());
        set("c", "x", -1);
        advanceSeconds(2);
        set("z", "x", 0);
        set("z", "x", 0);
        assertEquals(1, store.itemCount(), "unread, it goes in the sweep like any item expired that long");
    }

    @Test
    void anItemTouchedIntoThePastIsCountedInGetExpiredToo() {
        set("t", "x".repeat(1000), 0);
        Item touched = store.touch(key("t"), Item.EXPIRED);
        assertEquals("x".repeat(1000), new String(touched.value, StandardCharsets.US_ASCII), "gat still returns it");
        assertEquals(Store.weigh(key("t"), 0), store.weightedBytes(), "the value is dropped at once");
        assertNull(value("t"));
        assertEquals(1, stats.getExpired.sum(), "as memcached: the item expired, it did not vanish");
        assertNull(store.touch(key("t"), store.deadline(60)), "and it cannot be touched back");
    }
}
