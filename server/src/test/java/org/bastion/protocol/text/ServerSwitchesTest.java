package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bastion.config.Flags;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.Test;

/** memcached's {@code -W} (no watch) and {@code -b} (listen backlog), beside Debian's memcached started the same way. */
class ServerSwitchesTest {
    @Test
    void watchDisabledAnswersAsMemcachedDoes() throws Exception {
        String expected;
        try (MemcachedProcess memcached = MemcachedProcess.start("-W");
                WireClient c = WireClient.connect(memcached.port())) {
            expected = c.call("watch\r\n");
        }
        try (Server server = Server.start(Flags.parse("-p", "0", "-t", "1", "-W").settings());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals(expected, c.call("watch\r\n"));
            assertEquals("CLIENT_ERROR watch commands not allowed", expected);
            assertEquals("no", c.stats("settings").get("watch_enabled"));
            assertTrue(c.call("version\r\n").startsWith("VERSION "), "the connection is not in watch mode");
        }
    }

    @Test
    void listenBacklogIsTheOneGivenAndShownAsMemcachedNamesIt() throws Exception {
        String expected;
        try (MemcachedProcess memcached = MemcachedProcess.start("-b", "64");
                WireClient c = WireClient.connect(memcached.port())) {
            expected = c.stats("settings").get("tcp_backlog");
        }
        try (Server server = Server.start(Flags.parse("-p", "0", "-t", "1", "-b", "64").settings());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals(expected, c.stats("settings").get("tcp_backlog"));
            assertEquals("64", expected);
        }
    }

    @Test
    void casDisabledGivesMemcachedsRepliesByteForByte() throws Exception {
        String session = "set a 0 0 1\r\nx\r\ngets a\r\ncas a 0 0 1 0\r\ny\r\ncas a 0 0 1 5\r\nz\r\ngets a\r\n"
                + "cas nokey 0 0 1 5\r\nq\r\nmg a c v\r\nmn\r\n";
        String expected;
        try (MemcachedProcess memcached = MemcachedProcess.start("-C");
                WireClient c = WireClient.connect(memcached.port())) {
            expected = c.call(session, "MN\r\n");
        }
        try (Server server = Server.start(Flags.parse("-p", "0", "-t", "1", "-C").settings());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals(expected, c.call(session, "MN\r\n"));
            assertTrue(expected.contains("VALUE a 0 1 0\r\n") && expected.contains("EXISTS\r\nEXISTS\r\n"), expected);
            assertEquals("no", c.stats("settings").get("cas_enabled"));
        }
    }
}
