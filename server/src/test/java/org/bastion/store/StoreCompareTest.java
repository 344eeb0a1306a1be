package org.bastion.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;
import org.bastion.config.Settings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.bastion.command.CommandExecutor;
import org.bastion.stats.Stats;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;

/** The CAS compares and counter creation the binary protocol needs, on the store and executor directly. */
class StoreCompareTest {
    private ManualClock clock;
    private Store store;
    private CommandExecutor exec;

    @BeforeEach
    void setUp() {
        clock = new ManualClock();
        Stats stats = new Stats();
        Settings settings = Settings.builder().port(0).build();
        store = new Store(settings.memoryLimitBytes(), false, clock, stats);
        exec = new CommandExecutor(store, stats, settings, null);
    }

    private long set(String key, String value) {
        return exec.write(Store.Mode.SET, Key.of(key), 0, 0, value.getBytes(), 0).item().cas;
    }

    @Test
    void deleteComparesCasWhenGiven() {
        long cas = set("k", "v");
        assertEquals(Store.DeleteResult.EXISTS, exec.delete(Key.of("k"), cas + 1));
        assertNotNull(store.get(Key.of("k")));
        assertEquals(Store.DeleteResult.DELETED, exec.delete(Key.of("k"), cas));
        assertEquals(Store.DeleteResult.NOT_FOUND, exec.delete(Key.of("k"), 0));
        assertEquals(1, exec.stats.deleteHits.sum());
        assertEquals(1, exec.stats.deleteMisses.sum());
    }

    @Test
    void appendComparesCasOnlyWhenNonZero() {
        long cas = set("k", "a");
        assertEquals(Store.StoreResult.EXISTS,
                exec.store(Store.Mode.APPEND, Key.of("k"), 0, 0, "b".getBytes(), cas + 1));
        assertEquals(Store.StoreResult.STORED, exec.store(Store.Mode.APPEND, Key.of("k"), 0, 0, "b".getBytes(), cas));
        assertEquals(Store.StoreResult.STORED, exec.store(Store.Mode.PREPEND, Key.of("k"), 0, 0, "_".getBytes(), 0));
        assertEquals("_ab", new String(store.get(Key.of("k")).value));
    }

    @Test
    void deltaComparesCas() {
        long cas = set("n", "5");
        assertEquals(Store.DeltaResult.Kind.EXISTS, exec.delta(Key.of("n"), true, 1, cas + 1).kind());
        Store.DeltaResult ok = exec.delta(Key.of("n"), true, 1, cas);
        assertEquals(6, ok.value());
        assertEquals(ok.item().cas, store.get(Key.of("n")).cas);
    }

    @Test
    void deltaOrCreateMakesTheCounterWithItsExpiry() {
        Store.DeltaResult created = exec.deltaOrCreate(Key.of("c"), true, 5, 0, 42, true, 10);
        assertEquals(Store.DeltaResult.Kind.OK, created.kind());
        assertEquals(42, created.value());
        assertEquals("42", new String(store.get(Key.of("c")).value));
        assertEquals(47, exec.deltaOrCreate(Key.of("c"), true, 5, 0, 42, true, 10).value());
        clock.advance(11, TimeUnit.SECONDS);
        assertNull(store.get(Key.of("c")), "the created counter carries the request's expiry");
        assertEquals(Store.DeltaResult.Kind.NOT_FOUND,
                exec.deltaOrCreate(Key.of("c"), true, 5, 0, 42, false, 0).kind());
        assertNull(store.get(Key.of("c")));
    }

    @Test
    void touchItemReturnsTheTouchedItem() {
        long cas = set("t", "v");
        Item touched = exec.touchItem(Key.of("t"), 5);
        assertEquals(cas, touched.cas);
        assertNull(exec.touchItem(Key.of("none"), 5));
        clock.advance(6, TimeUnit.SECONDS);
        assertNull(store.get(Key.of("t")));
    }
}
