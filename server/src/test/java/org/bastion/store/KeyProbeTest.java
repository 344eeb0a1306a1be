package org.bastion.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.bastion.stats.Stats;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;

/** The reused lookup key of the get path must find exactly what a real key finds. */
class KeyProbeTest {
    private static final byte[] LINE = "get alpha beta alphabet".getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void probeEqualsAndHashesLikeTheStoredKey() {
        Key.Probe probe = new Key.Probe().set(LINE, 4, 9);
        Key alpha = Key.of("alpha");
        assertEquals(alpha.hashCode(), probe.hashCode());
        assertTrue(probe.equals(alpha));
        assertTrue(alpha.equals(probe));
        assertEquals(5, probe.length());
        assertEquals("alpha", probe.toString());
        assertEquals(alpha, probe.copy());
        assertNotEquals(Key.of("alphabet"), probe);
        assertNotEquals(Key.of("alph"), probe);
    }

    @Test
    void storeFindsItemsThroughAProbeAndKeepsOnlyRealKeys() {
        Store store = new Store(1 << 20, false, new ManualClock(), new Stats());
        store.write(Store.Mode.SET, Key.of("alpha"), 7, Item.NEVER, new byte[] {1, 2}, 0, 0).result();
        Key.Probe probe = new Key.Probe();
        Item item = store.get(probe.set(LINE, 4, 9));
        assertEquals(7, item.flags);
        assertNull(store.get(probe.set(LINE, 10, 14)));
        // Re-pointing the probe must not disturb the stored key.
        assertSame(item, store.get(Key.of("alpha")));
        assertNull(store.get(Key.of("beta")));
    }

    @Test
    void plainSetReplacesAndGivesANewCas() {
        Store store = new Store(1 << 20, false, new ManualClock(), new Stats());
        Key key = Key.of("k");
        assertEquals(Store.StoreResult.STORED, store.write(Store.Mode.SET, key, 0, Item.NEVER, new byte[] {1}, 0, 0).result());
        long firstCas = store.get(key).cas;
        assertEquals(Store.StoreResult.STORED, store.write(Store.Mode.SET, key, 0, Item.NEVER, new byte[] {2}, 0, 0).result());
        Item second = store.get(key);
        assertEquals(2, second.value[0]);
        assertTrue(second.cas > firstCas);
        // An already-expired set removes the old item, as memcached does.
        store.write(Store.Mode.SET, key, 0, Item.EXPIRED, new byte[] {3}, 0, 0).result();
        assertNull(store.get(key));
    }
}
