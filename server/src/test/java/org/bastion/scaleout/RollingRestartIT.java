package org.bastion.scaleout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.KetamaConnectionFactory;
import net.spy.memcached.MemcachedClient;
import org.bastion.junit.BastionPool;
import org.bastion.junit.ServerPool;
import org.bastion.testing.KetamaRing;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
import org.bastion.Bastion;
import org.junit.jupiter.api.Timeout;

/**
 * A rolling restart of a three-Bastion pool behind a ketama client, one member at a time, under a cache-aside
 * workload (read; on a miss, store): the hit ratio of the first read pass after each restart, and its floor over the
 * whole roll. A {@link Restart#COLD cold} restart comes back empty, so that pass misses exactly the restarted
 * member's keys (about a third) and the floor is one minus the largest member's share. A warm restart (items
 * carried across the restart by a snapshot) is the other {@link Restart} to measure here; its pass should miss none.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RollingRestartIT {
    private static final int KEYS = 1200;

    @BastionPool(size = 3)
    static ServerPool pool;

    /** How a member is taken down and brought back. */
    enum Restart {
        /** Stop, start empty on the same port. */
        COLD,
        /** Stop writing the member's snapshot, start on the same port loading it (a pool from startWithSnapshots). */
        WARM
    }

    @Test
    void coldRollingRestartLosesExactlyTheRestartedMembersKeysEachTime() throws Exception {
        roll(pool, Restart.COLD);
    }

    @Test
    void warmRollingRestartLosesNothing(@TempDir Path snapshots) throws Exception {
        try (ServerPool warm = ServerPool.startWithSnapshots(3, Bastion.builder(), snapshots)) {
            roll(warm, Restart.WARM);
        }
    }

    /**
     * Fills the pool, restarts each member in turn and measures the next cache-aside pass: a cold restart misses
     * exactly the member's keys, a warm one none.
     */
    private static void roll(ServerPool pool, Restart how) throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add("session:" + i);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            names.add(pool.hostAndPort(i));
        }
        KetamaRing ring = new KetamaRing(names);

        MemcachedClient client = new MemcachedClient(new KetamaConnectionFactory() {
            @Override
            public long getMaxReconnectDelay() {
                return 1; // seconds, so the client is back on the restarted member quickly
            }
        }, AddrUtil.getAddresses(pool.serverList()));
        try {
            assertEquals(0, cacheAsidePass(client, keys), "the first pass fills the pool");
            assertEquals(KEYS, cacheAsidePass(client, keys), "and the second hits every key");

            double floor = 1.0;
            for (int member = 0; member < pool.size(); member++) {
                pool.restart(member);
                awaitReconnected(pool, client, ring, names.get(member), member);
                int owned = 0;
                for (String k : keys) {
                    owned += ring.nodeFor(k).equals(names.get(member)) ? 1 : 0;
                }
                int hits = cacheAsidePass(client, keys);
                double ratio = hits / (double) KEYS;
                floor = Math.min(floor, ratio);
                System.out.printf("rolling restart (%s): after member %d (%d of %d keys), hit ratio %.3f%n",
                        how, member, owned, KEYS, ratio);
                if (how == Restart.COLD) {
                    assertEquals(KEYS - owned, hits, "a cold member comes back empty; the others lose nothing");
                } else {
                    assertEquals(KEYS, hits, "a warm member comes back with its items");
                }
                assertEquals(KEYS, cacheAsidePass(client, keys), "the misses were stored again");
            }
            System.out.printf("rolling restart (%s): hit-ratio floor %.3f%n", how, floor);
            assertTrue(floor > 0.5, "no member holds half the keys: " + floor);
        } finally {
            client.shutdown(5, TimeUnit.SECONDS);
        }
    }

    /** Reads every key in one multi-get per server, stores the misses; returns the hits. */
    private static int cacheAsidePass(MemcachedClient client, List<String> keys) throws Exception {
        Map<String, Object> found = client.getBulk(keys);
        List<Future<Boolean>> stores = new ArrayList<>();
        for (String k : keys) {
            if (!found.containsKey(k)) {
                stores.add(client.set(k, 0, "value-of-" + k));
            }
        }
        for (Future<Boolean> f : stores) {
            assertTrue(f.get(10, TimeUnit.SECONDS));
        }
        return found.size();
    }

    /** Until the client stores on the restarted member again (its keys are redistributed meanwhile). */
    private static void awaitReconnected(ServerPool pool, MemcachedClient client, KetamaRing ring, String name,
            int member) throws Exception {
        // A fresh probe key each time: one stored before a warm restart would be found at once, proving nothing.
        String tag = "probe-" + System.nanoTime() + "-";
        String probe = null;
        for (int i = 0; probe == null; i++) {
            probe = ring.nodeFor(tag + i).equals(name) ? tag + i : null;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (WireClient.get(pool.port(member), probe) == null) {
            assertTrue(System.nanoTime() < deadline, "the client did not reconnect to " + name);
            try {
                client.set(probe, 0, "p").get(2, TimeUnit.SECONDS);
            } catch (Exception meetsTheClosedConnection) {
                // the first operation on the old connection fails; the client then reconnects
            }
            Thread.sleep(50);
        }
        client.delete(probe).get(5, TimeUnit.SECONDS);
    }
}
