package org.bastion.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bastion.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.bastion.transport.Server;
import org.bastion.store.Key;
import org.bastion.store.SizeClasses;
import org.bastion.store.Store;
import org.bastion.testing.WireClient;

/** memcached's stats subcommands against a live server: true figures, memcached's key names, -X honoured. */
class StatsFamilyTest {
    private Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private WireClient start(Settings.Builder settings) throws Exception {
        server = Server.start(settings.port(0).threads(2).build());
        return WireClient.connect(server.port());
    }

    @Test
    void generalStatsCountWhatHappened() throws Exception {
        try (WireClient c = start(Settings.builder())) {
            c.call("set a 0 0 1\r\nx\r\n", "\r\n");
            c.call("add a 0 0 1\r\ny\r\n", "\r\n");
            c.call("get a b\r\n", "END\r\n");
            c.call("incr a 1\r\n", "\r\n");
            Map<String, String> s = c.stats("");
            assertEquals("1.6.18", s.get("version"));
            assertEquals("2", s.get("cmd_set"));
            assertEquals("2", s.get("cmd_get"));
            assertEquals("1", s.get("get_hits"));
            assertEquals("1", s.get("get_misses"));
            assertEquals("1", s.get("curr_items"));
            assertEquals("1", s.get("curr_connections"));
            assertTrue(Long.parseLong(s.get("bytes")) > 0);
            assertTrue(Long.parseLong(s.get("bytes_read")) > 0);
            // Features Bastion lacks are left out, not reported as zero.
            assertFalse(s.containsKey("libevent"));
            assertFalse(s.containsKey("hash_power_level"));
            assertEquals("0", s.get("auth_cmds"), "logins are counted, as in memcached, even with none configured");
            assertEquals("RESET\r\n", c.call("stats reset\r\n", "\r\n"));
            Map<String, String> after = c.stats("");
            assertEquals("0", after.get("cmd_set"));
            assertEquals("1", after.get("curr_items"));
        }
    }

    @Test
    void settingsUseMemcachedNamesAndAddBastionsOwn() throws Exception {
        try (WireClient c = start(Settings.builder().memoryLimitMegabytes(16).maxConnections(50).flushAllDisabled(true)
                .maxConnectionsPerSource(7).readOnlyFrom("10.0.0.0/8").requestTimeoutSeconds(12))) {
            Map<String, String> s = c.stats("settings");
            assertEquals(Long.toString(16L << 20), s.get("maxbytes"));
            assertEquals("50", s.get("maxconns"));
            assertEquals(Integer.toString(server.port()), s.get("tcpport"));
            assertEquals("0", s.get("udpport"));
            assertEquals("2", s.get("num_threads"));
            assertEquals("1048576", s.get("item_size_max"));
            assertEquals("on", s.get("evictions"));
            assertEquals("yes", s.get("cas_enabled"));
            assertEquals("no", s.get("flush_enabled"));
            assertEquals("no", s.get("auth_enabled_sasl"));
            assertEquals("yes", s.get("dump_enabled"));
            assertEquals("7", s.get("max_conns_per_ip"));
            assertEquals("10.0.0.0/8", s.get("read_only_from"));
            assertEquals("12", s.get("request_timeout"));
            assertEquals("loopback", s.get("allow"));
        }
    }

    @Test
    void itemsSlabsAndSizesReportSizeClassesFromTheStore() throws Exception {
        try (WireClient c = start(Settings.builder())) {
            c.call("set small 0 0 3\r\nabc\r\n", "\r\n");
            c.call("set small2 0 0 3\r\nabc\r\n", "\r\n");
            String big = "x".repeat(5000);
            c.call("set big 0 0 5000\r\n" + big + "\r\n", "\r\n");
            long smallWeight = Store.weigh(Key.of("small"), 3);
            int smallClass = SizeClasses.of(Key.of("small"), 0, 3);
            int bigClass = SizeClasses.of(Key.of("big"), 0, 5000);
            Map<String, String> items = c.stats("items");
            assertEquals("2", items.get("items:" + smallClass + ":number"));
            assertEquals("1", items.get("items:" + bigClass + ":number"));
            assertEquals(Long.toString(smallWeight + Store.weigh(Key.of("small2"), 3)),
                    items.get("items:" + smallClass + ":mem_requested"));
            assertNotNull(items.get("items:" + bigClass + ":age"));
            assertFalse(items.containsKey("items:" + smallClass + ":evicted_nonzero"), "untracked keys are left out");
            Map<String, String> slabs = c.stats("slabs");
            assertEquals("2", slabs.get("active_slabs"));
            assertEquals(Long.toString(SizeClasses.chunkSize(bigClass)), slabs.get(bigClass + ":chunk_size"));
            assertEquals("1", slabs.get(bigClass + ":total_pages"));
            assertEquals("2", slabs.get(smallClass + ":used_chunks"));
            Map<String, String> sizes = c.stats("sizes");
            assertEquals("2", sizes.get(Long.toString((smallWeight + 31) / 32 * 32)));
        }
    }

    @Test
    void sizesCanBeSwitchedOffAndOnAsInMemcached() throws Exception {
        try (WireClient c = start(Settings.builder())) {
            c.call("set a 0 0 1\r\nx\r\n", "\r\n");
            assertFalse(c.call("stats sizes\r\n", "END\r\n").contains("sizes_status"), "on from the start");
            // memcached's replies, with the END it leaves out after sizes_enable and sizes_disable.
            assertEquals("STAT sizes_status disabled\r\nEND\r\n", c.call("stats sizes_disable\r\n", "END\r\n"));
            assertEquals("STAT sizes_status disabled\r\nEND\r\n", c.call("stats sizes\r\n", "END\r\n"));
            assertEquals("STAT sizes_status enabled\r\nEND\r\n", c.call("stats sizes_enable\r\n", "END\r\n"));
            String sizes = c.call("stats sizes\r\n", "END\r\n");
            assertTrue(sizes.startsWith("STAT ") && !sizes.contains("sizes_status"), sizes);
        }
    }

    @Test
    void evictionsAreCountedPerSizeClass() throws Exception {
        try (WireClient c = start(Settings.builder().memoryLimitMegabytes(1).maxItemSize(4096))) {
            String value = "v".repeat(1000);
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 3000; i++) {
                batch.append("set key").append(i).append(" 0 0 1000 noreply\r\n").append(value).append("\r\n");
            }
            c.call(batch.append("version\r\n").toString(), "\r\n");
            long evictions = Long.parseLong(c.stats("").get("evictions"));
            assertTrue(evictions > 1000, "evictions " + evictions);
            int cls = SizeClasses.of(Key.of("key1000"), 0, 1000);
            Map<String, String> items = c.stats("items");
            assertEquals(Long.toString(evictions), items.get("items:" + cls + ":evicted"), items.toString());
            c.call("stats reset\r\n", "\r\n");
            assertEquals("0", c.stats("items").get("items:" + cls + ":evicted"));
        }
    }

    @Test
    void connsListsListenerAndEachConnection() throws Exception {
        try (WireClient c = start(Settings.builder()); WireClient other = WireClient.connect(server.port())) {
            other.call("version\r\n", "\r\n");
            Map<String, String> conns = c.stats("conns");
            long listening = conns.values().stream().filter("conn_listening"::equals).count();
            assertEquals(1, listening, conns.toString());
            long addrs = conns.keySet().stream().filter(k -> k.endsWith(":listen_addr")).count();
            assertEquals(2, addrs, conns.toString());
            assertTrue(conns.containsValue("tcp:127.0.0.1:" + server.port()), conns.toString());
            assertTrue(conns.keySet().stream().anyMatch(k -> k.endsWith(":secs_since_last_cmd")));
        }
    }

    @Test
    void cachedumpListsKeysUnlessDumpingIsDisabled() throws Exception {
        try (WireClient c = start(Settings.builder())) {
            c.call("set k 0 0 1\r\nv\r\n", "\r\n");
            int cls = SizeClasses.of(Key.of("k"), 0, 1);
            assertEquals("ITEM k [1 b; 0 s]\r\nEND\r\n", c.call("stats cachedump " + cls + " 0\r\n", "END\r\n"));
            assertEquals("END\r\n", c.call("stats detail dump\r\n", "END\r\n"));
        }
        server.close();
        try (WireClient c = start(Settings.builder().dumpingDisabled(true))) {
            c.call("set k 0 0 1\r\nv\r\n", "\r\n");
            assertEquals("CLIENT_ERROR stats cachedump not allowed\r\n", c.call("stats cachedump 1 0\r\n", "\r\n"));
            assertEquals("CLIENT_ERROR stats cachedump not allowed\r\n", c.call("stats cachedump\r\n", "\r\n"));
            assertEquals("CLIENT_ERROR stats detail dump not allowed\r\n", c.call("stats detail dump\r\n", "\r\n"));
            assertEquals("no", c.stats("settings").get("dump_enabled"));
        }
    }

    @Test
    void unknownSubcommandIsAnError() throws Exception {
        try (WireClient c = start(Settings.builder())) {
            assertEquals("ERROR\r\n", c.call("stats nonsense\r\n", "\r\n"));
        }
    }
}
