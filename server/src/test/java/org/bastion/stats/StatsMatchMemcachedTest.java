package org.bastion.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bastion.config.Settings;
import org.bastion.store.Key;
import org.bastion.store.SizeClasses;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.Test;

/** Plain {@code stats} against Debian memcached 1.6.18: the shared keys in its order, and its expiry counters. */
class StatsMatchMemcachedTest {
    private static final String BIG = "A".repeat(66560);
    private static final String BIGGER = "B".repeat(66570);

    @Test
    void sharedKeysComeInMemcachedsOrder() throws Exception {
        List<String> shared = sharedKeysInMemcachedsOrder("");
        for (String added : new String[] {"log_watchers", "reclaimed"}) {
            assertEquals(true, shared.contains(added), added + " is printed by both");
        }
    }

    @Test
    void sharedSettingsComeInMemcachedsOrder() throws Exception {
        List<String> shared = sharedKeysInMemcachedsOrder("settings");
        assertEquals(true, shared.contains("reqs_per_event"), "reqs_per_event is printed by both");
        assertEquals(true, shared.size() >= 20, shared.size() + " settings in common");
    }

    /** The keys of {@code stats <group>} both servers print, after checking both print them in the same order. */
    private static List<String> sharedKeysInMemcachedsOrder(String group) throws Exception {
        List<String> memcachedKeys;
        try (MemcachedProcess memcached = MemcachedProcess.start();
                WireClient c = WireClient.connect(memcached.port())) {
            memcachedKeys = new ArrayList<>(c.stats(group).keySet());
        }
        Server server = Server.start(Settings.builder().port(0).threads(2).build());
        try (WireClient c = WireClient.connect(server.port())) {
            List<String> bastionKeys = new ArrayList<>(c.stats(group).keySet());
            List<String> shared = new ArrayList<>(memcachedKeys);
            shared.retainAll(bastionKeys);
            bastionKeys.retainAll(memcachedKeys);
            assertEquals(shared, bastionKeys);
            return shared;
        } finally {
            server.close();
        }
    }

    /**
     * memcached's t/issue_61.t, both servers with {@code -R 1}: a batch of pipelined requests in one write is answered
     * whole and alike, and the connection yields its turn on the way ({@code conn_yields}), reset by
     * {@code stats reset}.
     */
    @Test
    void connYieldsAsMemcachedWithOneRequestPerTurn() throws Exception {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            batch.append("set k").append(i).append(" 0 0 2\r\nv").append(i % 10).append("\r\nget k").append(i)
                    .append("\r\n");
        }
        batch.append("version\r\n");
        Server server = Server.start(Settings.builder().port(0).threads(2).reqsPerEvent(1).build());
        try (MemcachedProcess memcached = MemcachedProcess.start("-R", "1");
                WireClient m = WireClient.connect(memcached.port());
                WireClient b = WireClient.connect(server.port())) {
            String[] replies = new String[2];
            WireClient[] both = {m, b};
            for (int i = 0; i < 2; i++) {
                WireClient c = both[i];
                assertEquals("0", c.stats("").get("conn_yields"));
                assertEquals("1", c.stats("settings").get("reqs_per_event"));
                c.send(batch.toString());
                replies[i] = c.readUntil("VERSION 1.6.18\r\n");
                long yields = Long.parseLong(c.stats("").get("conn_yields"));
                assertEquals(true, yields >= 20, yields + " yields for 41 requests, one per turn");
                assertEquals("RESET", c.call("stats reset\r\n"));
                // The reset's own turn may count its yield once the reset is done, on both servers.
                yields = Long.parseLong(c.stats("").get("conn_yields"));
                assertEquals(true, yields <= 1, yields + " yields after the reset");
            }
            assertEquals(replies[0], replies[1]);
        } finally {
            server.close();
        }
    }

    /**
     * memcached's t/issue_163.t on both servers in step, so that one wait serves both: a large item expires and a new
     * one takes its place ({@code reclaimed}). memcached counts {@code reclaimed} when it reuses a dead item's memory;
     * a large item is the case where it does so at once (a small one is left to its LRU maintainer thread).
     */
    @Test
    void reclaimedAsMemcached() throws Exception {
        Server server = Server.start(Settings.builder().port(0).threads(2).build());
        try (MemcachedProcess memcached = MemcachedProcess.start();
                WireClient m = WireClient.connect(memcached.port());
                WireClient b = WireClient.connect(server.port())) {
            WireClient[] both = {m, b};
            for (WireClient c : both) {
                assertEquals("STORED", c.call("set key 0 1 66560\r\n" + BIG + "\r\n"));
                assertEquals("0", c.stats("").get("reclaimed"));
            }
            // memcached's clock moves in whole seconds: past one more, the item has surely expired there too.
            Thread.sleep(2200);
            for (WireClient c : both) {
                assertEquals("STORED", c.call("set key 0 0 66570\r\n" + BIGGER + "\r\n"));
                assertEquals("1", c.stats("").get("reclaimed"));
            }
            assertEquals("1", m.stats("items").get("items:31:reclaimed"), "memcached's class of the new item");
            int cls = SizeClasses.of(Key.of("key"), 0, BIGGER.length());
            assertEquals(31, cls, "Bastion puts the item in memcached's class");
            assertEquals("1", b.stats("items").get("items:31:reclaimed"), "Bastion's class of the new item");
            assertEquals("RESET", b.call("stats reset\r\n"));
            assertEquals("0", b.stats("").get("reclaimed"));
            assertEquals("0", b.stats("items").get("items:" + cls + ":reclaimed"));
        } finally {
            server.close();
        }
    }

    /**
     * t/stats.t: an item set with an absolute time long past is counted in {@code get_expired} when read. Checked
     * against the test's expectation, not a live memcached: there the LRU maintainer thread may reclaim the item
     * between the set and the get, and the read is then a plain miss.
     */
    @Test
    void anItemSetAlreadyExpiredIsCountedInGetExpired() throws Exception {
        Server server = Server.start(Settings.builder().port(0).threads(2).build());
        try (WireClient c = WireClient.connect(server.port())) {
            // 2678400 s is 31 days, so an absolute Unix time, long past.
            assertEquals("STORED", c.call("set should_expire 0 2678400 6\r\nfooval\r\n"));
            assertEquals("END", c.call("get should_expire\r\n"));
            Map<String, String> s = c.stats("");
            assertEquals("1", s.get("get_expired"));
            assertEquals("1", s.get("get_misses"));
            assertEquals("0", s.get("curr_items"), "the read removed it");
        } finally {
            server.close();
        }
    }
}
