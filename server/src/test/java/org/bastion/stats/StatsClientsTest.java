package org.bastion.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import org.bastion.config.Settings;
import org.junit.jupiter.api.Test;
import org.bastion.transport.Server;

/** The two Java clients that read `stats` parse Bastion's reply. */
class StatsClientsTest {
    @Test
    void spymemcachedGetStats() throws Exception {
        try (Server server = Server.start(Settings.builder().port(0).threads(1).build())) {
            net.spy.memcached.MemcachedClient spy =
                    new net.spy.memcached.MemcachedClient(new InetSocketAddress("127.0.0.1", server.port()));
            try {
                spy.set("a", 0, "1").get();
                spy.get("a");
                Map<SocketAddress, Map<String, String>> all = spy.getStats();
                assertEquals(1, all.size());
                Map<String, String> stats = all.values().iterator().next();
                assertEquals("1", stats.get("cmd_set"));
                assertEquals("1", stats.get("get_hits"));
                assertEquals("1.6.18", stats.get("version"));
                assertTrue(stats.size() > 30, stats.toString());
                Map<String, String> settings = spy.getStats("settings").values().iterator().next();
                assertEquals(Integer.toString(server.port()), settings.get("tcpport"));
            } finally {
                spy.shutdown();
            }
        }
    }

    @Test
    void xmemcachedStats() throws Exception {
        try (Server server = Server.start(Settings.builder().port(0).threads(1).build())) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
            MemcachedClient x = new XMemcachedClientBuilder(java.util.List.of(address)).build();
            try {
                x.set("b", 0, "2");
                x.get("b");
                x.get("nope");
                Map<String, String> stats = x.stats(address);
                assertEquals("1", stats.get("cmd_set"));
                assertEquals("1", stats.get("get_hits"));
                assertEquals("1", stats.get("get_misses"));
                Map<String, String> items = x.getStatsByItem("items").get(address);
                assertTrue(items.keySet().stream().anyMatch(k -> k.matches("items:\\d+:number")), items.toString());
            } finally {
                x.shutdown();
            }
        }
    }
}
