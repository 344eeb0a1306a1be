package org.bastion.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.bastion.config.Flags;
import org.bastion.config.Settings;
import org.junit.jupiter.api.Test;
import org.bastion.transport.Server;
import org.bastion.testing.WireClient;
import org.bastion.testing.PolicyServers;

/** memcached's command-policy flags: {@code -F}, {@code -A}, {@code -X}. */
class CommandPolicyTest {
    @Test
    void flushAllIsRefusedWithDashF() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().flushAllDisabled(true).build());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals("STORED", c.call("set k 0 0 1\r\nx\r\n"));
            assertEquals("CLIENT_ERROR flush_all not allowed", c.call("flush_all\r\n"));
            assertEquals("CLIENT_ERROR flush_all not allowed", c.call("flush_all 0\r\n"));
            c.send("flush_all noreply\r\n");
            assertEquals("x", c.get("k"));
            assertEquals("no", c.stats("settings").get("flush_enabled"));
        }
    }

    @Test
    void flushAllWorksByDefault() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().build());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals("STORED", c.call("set k 0 0 1\r\nx\r\n"));
            assertEquals("OK", c.call("flush_all\r\n"));
            assertEquals(null, c.get("k"));
        }
    }

    @Test
    void shutdownIsOffByDefault() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().build());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals("ERROR: shutdown not enabled", c.call("shutdown\r\n"));
            assertEquals("ERROR: shutdown not enabled", c.call("shutdown graceful\r\n"));
            assertTrue(c.call("version\r\n").startsWith("VERSION "));
            assertFalse(server.terminated().isDone());
            assertEquals("no", c.stats("settings").get("shutdown_enabled"));
        }
    }

    @Test
    void shutdownWithDashAStopsTheServer() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().shutdownEnabled(true).build())) {
            int port = server.port();
            try (WireClient bystander = WireClient.connect(port);
                    WireClient c = WireClient.connect(port)) {
                assertTrue(bystander.call("version\r\n").startsWith("VERSION "));
                c.send("shutdown\r\n");
                assertTrue(c.closedByPeer());
                server.terminated().get(10, TimeUnit.SECONDS);
                assertTrue(bystander.closedByPeer(), "open connections end with the server");
            }
            assertThrows(IOException.class, () -> WireClient.connect(port).close(), "port still accepting");
        }
    }

    @Test
    void dumpingFlagIsAcceptedAndReported() throws Exception {
        Settings parsed = Flags.parse("-p", "0", "-X", "-F", "-A").settings();
        assertTrue(parsed.dumpingDisabled());
        assertTrue(parsed.flushAllDisabled());
        assertTrue(parsed.shutdownEnabled());
        try (Server server = Server.start(parsed.toBuilder().port(0).build());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals("no", c.stats("settings").get("dump_enabled"));
        }
        try (Server server = Server.start(PolicyServers.settings().build());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals("yes", c.stats("settings").get("dump_enabled"));
        }
    }
}
