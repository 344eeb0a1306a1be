package org.bastion.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bastion.config.Settings;
import org.bastion.store.Key;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;
import org.bastion.testing.PolicyServers;
import org.bastion.transport.Server;
import org.junit.jupiter.api.Test;

/**
 * {@code stats detail on|off|dump} and {@code -D}: the same session gives Debian memcached 1.6.18's bytes, the dump
 * is refused to read-only sources and under {@code -X}, the prefix count is bounded, and off costs no allocation.
 */
class StatsDetailTest {
    /** Command and the reply's last bytes; replies of both servers are compared byte for byte. */
    private static final String[][] SESSION = {
        {"stats detail dump\r\n", "END\r\n"},
        {"stats detail on\r\n", "\r\n"},
        {"set a:1 5 0 2\r\nhi\r\n", "\r\n"},
        {"get a:1\r\n", "END\r\n"},
        {"get a:2 b:1 nokey\r\n", "END\r\n"},
        {"gets b:2\r\n", "END\r\n"},
        {"add user/7 0 0 1\r\nx\r\n", "\r\n"},
        {"delete a:1\r\n", "\r\n"},
        {"delete zz\r\n", "\r\n"},
        {"set session:abc 0 0 1\r\nx\r\n", "\r\n"},
        {"get session:abc session:x\r\n", "END\r\n"},
        {"delete session:nope\r\n", "\r\n"},
        {"incr a:1 1\r\n", "\r\n"},
        {"touch a:1 1\r\n", "\r\n"},
        {"stats detail dump\r\n", "END\r\n"},
        {"stats detail off\r\n", "\r\n"},
        {"get a:1\r\n", "END\r\n"},
        {"stats detail dump\r\n", "END\r\n"},
        {"stats detail\r\n", "\r\n"},
        {"stats detail foo\r\n", "\r\n"},
    };

    private static List<String> run(int port, String delimiterKey) throws Exception {
        List<String> replies = new ArrayList<>();
        try (WireClient c = WireClient.connect(port)) {
            for (String[] step : SESSION) {
                String command = step[0].replace("user/7", delimiterKey);
                replies.add(command.trim() + " -> " + c.call(command, step[1]));
            }
            replies.add("stat_key_prefix " + c.stats("settings").get("stat_key_prefix"));
        }
        return replies;
    }

    @Test
    void sameBytesAsMemcached() throws Exception {
        for (String delimiter : new String[] {":", "/"}) {
            List<String> expected;
            try (MemcachedProcess memcached = MemcachedProcess.start("-D", delimiter)) {
                expected = run(memcached.port(), "user/7");
            }
            Server server = Server.start(Settings.builder().port(0).threads(2).prefixDelimiter(delimiter).build());
            try {
                assertEquals(String.join("\n", expected), String.join("\n", run(server.port(), "user/7")));
            } finally {
                server.close();
            }
        }
    }

    @Test
    void detailEnabledFollowsOnAndOff() throws Exception {
        Server server = Server.start(Settings.builder().port(0).threads(2).build());
        try (WireClient c = WireClient.connect(server.port())) {
            assertEquals("no", c.stats("settings").get("detail_enabled"));
            assertEquals(":", c.stats("settings").get("stat_key_prefix"));
            c.call("stats detail on\r\n", "\r\n");
            assertEquals("yes", c.stats("settings").get("detail_enabled"));
            c.call("stats detail off\r\n", "\r\n");
            assertEquals("no", c.stats("settings").get("detail_enabled"));
        } finally {
            server.close();
        }
    }

    @Test
    void dumpIsRefusedToReadOnlySourcesAndUnderX() throws Exception {
        Server server = Server.start(PolicyServers.settings().readOnlyFrom("127.0.0.2/32").build());
        try (WireClient writer = WireClient.connect(server.port(), WireClient.LOCAL);
                WireClient reader = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
            assertEquals("OK", writer.call("stats detail on\r\n"));
            writer.call("set a:1 0 0 1\r\nx\r\n");
            assertEquals("CLIENT_ERROR access denied", reader.call("stats detail dump\r\n"));
            assertEquals("CLIENT_ERROR access denied", reader.call("stats detail off\r\n"));
            assertEquals("CLIENT_ERROR access denied", reader.call("stats detail on\r\n"));
            assertEquals("PREFIX a get 0 hit 0 set 1 del 0", writer.call("stats detail dump\r\n"));
        } finally {
            server.close();
        }
        server = Server.start(PolicyServers.settings().dumpingDisabled(true).build());
        try (WireClient c = WireClient.connect(server.port())) {
            assertEquals("OK\r\n", c.call("stats detail on\r\n", "\r\n"));
            assertEquals("CLIENT_ERROR stats detail dump not allowed\r\n", c.call("stats detail dump\r\n", "\r\n"));
        } finally {
            server.close();
        }
    }

    @Test
    void prefixesAreBounded() {
        PrefixStats p = new PrefixStats();
        p.enabled(true);
        for (int i = 0; i < PrefixStats.MAX_PREFIXES + 5; i++) {
            p.set(key("p" + i + ":k"), ':');
        }
        p.get(key("p0:k"), ':', true);
        List<String> dump = p.dump();
        assertEquals(PrefixStats.MAX_PREFIXES + 1, dump.size());
        assertEquals(5, p.untracked());
        assertTrue(dump.contains("PREFIX p0 get 1 hit 1 set 1 del 0"));
    }

    @Test
    void offAllocatesNothing() {
        PrefixStats p = new PrefixStats();
        Key key = key("a:b");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 100_000; i++) {
            p.get(key, ':', true);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++) {
            p.get(key, ':', (i & 1) == 0);
            p.set(key, ':');
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes with detail off");
    }

    private static Key key(String s) {
        return Key.of(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
