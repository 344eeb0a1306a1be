package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.command.BinaryCommandFactory;
import net.spy.memcached.BinaryConnectionFactory;
import net.spy.memcached.MemcachedClient;
import org.bastion.config.Settings;
import org.junit.jupiter.api.Test;

/** The admin opcodes as real binary clients use them: Version, Stat (all and by group) and Flush. */
class BinaryAdminClientsTest {

    @Test
    void spymemcachedVersionStatsAndFlush() throws Exception {
        try (Bastion server = Bastion.builder().settings(s -> s.port(0)).start()) {
            MemcachedClient c = new MemcachedClient(new BinaryConnectionFactory(), List.of(server.address()));
            try {
                assertEquals("1.6.18", c.getVersions().values().iterator().next());
                assertTrue(c.set("k", 0, "v").get(10, TimeUnit.SECONDS));
                Map<String, String> stats = c.getStats().values().iterator().next();
                assertEquals("1", stats.get("curr_items"));
                assertEquals("1.6.18", stats.get("version"));
                Map<String, String> settings = c.getStats("settings").values().iterator().next();
                assertEquals("auto-negotiate", settings.get("binding_protocol"));
                assertTrue(c.flush().get(10, TimeUnit.SECONDS));
                assertNull(c.get("k"));
            } finally {
                c.shutdown(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void xmemcachedVersionStatsVerbosityAndFlush() throws Exception {
        Settings startingVerbose = Settings.builder().port(0).verbosity(2).build();
        try (Bastion server = Bastion.builder().settings(startingVerbose).start()) {
            XMemcachedClientBuilder builder = new XMemcachedClientBuilder(List.of(server.address()));
            builder.setCommandFactory(new BinaryCommandFactory());
            builder.setOpTimeout(org.bastion.clients.CacheClient.TIMEOUT_MS);
            net.rubyeye.xmemcached.MemcachedClient c = builder.build();
            try {
                InetSocketAddress address = c.getVersions().keySet().iterator().next();
                assertEquals("1.6.18", c.getVersions().get(address));
                assertTrue(c.set("k", 0, "v"));
                assertEquals("1", c.getStats().get(address).get("curr_items"));
                assertEquals("2", c.getStatsByItem("settings").get(address).get("verbosity"));
                // xmemcached 2.4.9's BinaryVerbosityCommand never stores its level and always sends 0: the server
                // applying that 0 shows the opcode arrived and was executed.
                c.setLoggingLevelVerbosity(address, 1);
                Map<String, String> settings = c.getStatsByItem("settings").get(address);
                assertEquals("0", settings.get("verbosity"), "binary Verbosity reached the server");
                c.flushAll();
                assertNull(c.get("k"));
            } finally {
                c.shutdown();
            }
        }
    }
}
