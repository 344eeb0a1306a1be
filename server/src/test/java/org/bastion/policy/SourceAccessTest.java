package org.bastion.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bastion.config.SettingsException;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertThrows;
import org.junit.jupiter.api.io.TempDir;
import org.bastion.transport.Server;
import org.bastion.testing.WireClient;
import org.bastion.testing.PolicyServers;

/** The source policy, seen from outside: who is served, who is closed unread, and reloading the allow file. */
class SourceAccessTest {
    @TempDir
    Path dir;

    /** A denied client sees the connection end without one byte, and what it sent never runs. */
    private static void assertDenied(int port) throws IOException {
        try (WireClient denied = WireClient.connect(port, WireClient.OTHER_SOURCE)) {
            try {
                denied.send("set intruder 0 0 3\r\nbad\r\n");
            } catch (IOException closedAlready) {
                // The server may have closed before our bytes left: just as denied.
            }
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            assertTrue(denied.closedByPeer(received), "denied source must be disconnected");
            assertEquals(0, received.size(), "denied source must receive nothing, got: " + received);
        }
    }

    @Test
    void allowRuleDeniesUnlistedSourceBeforeReadingAndCountsIt() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().allow("127.0.0.1/32").build())) {
            assertDenied(server.port());
            assertDenied(server.port());
            try (WireClient ok = WireClient.connect(server.port())) {
                assertNull(ok.get("intruder"), "nothing a denied source sent may execute");
                assertEquals(2, ok.stat("denied_connections"));
                assertEquals("STORED", ok.call("set mine 0 0 2\r\nok\r\n"));
                assertEquals("ok", ok.get("mine"));
            }
        }
    }

    @Test
    void deniedClientThatSendsNothingSeesEndOfStreamAtOnce() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().allow("127.0.0.1/32").build());
                java.net.Socket s = new java.net.Socket()) {
            s.bind(new java.net.InetSocketAddress(WireClient.OTHER_SOURCE, 0));
            s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(5000);
            long start = System.nanoTime();
            assertEquals(-1, s.getInputStream().read(), "a clean end of stream, with no byte before it");
            assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(5));
        }
    }

    @Test
    void withoutRulesEveryLoopbackSourceIsServed() throws Exception {
        // 127.0.0.2 is loopback (all of 127/8 is), so the default loopback-only policy serves it.
        try (Server server = Server.start(PolicyServers.settings().build());
                WireClient other = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
            assertEquals("STORED", other.call("set k 0 0 1\r\nx\r\n"));
            assertEquals("x", other.get("k"));
            assertEquals(0, other.stat("denied_connections"));
        }
    }

    @Test
    void anyAllowRuleMeansOnlyListedSourcesEvenOnLoopback() throws Exception {
        // Listing 127.0.0.2 alone turns away 127.0.0.1, although it is loopback: rules replace the default.
        try (Server server = Server.start(PolicyServers.settings().allow("127.0.0.2/32").build())) {
            try (WireClient listed = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
                assertEquals("STORED", listed.call("set k 0 0 1\r\nx\r\n"));
            }
            try (WireClient unlisted = WireClient.connect(server.port(), WireClient.LOCAL)) {
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                assertTrue(unlisted.closedByPeer(received));
                assertEquals(0, received.size());
            }
            try (WireClient listed = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
                assertEquals(1, listed.stat("denied_connections"));
            }
        }
    }

    @Test
    void wideAllowRuleAdmitsBothSources() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().allow("127.0.0.0/8").build());
                WireClient a = WireClient.connect(server.port(), WireClient.LOCAL);
                WireClient b = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
            assertEquals("STORED", a.call("set k 0 0 1\r\na\r\n"));
            assertEquals("a", b.get("k"));
        }
    }

    @Test
    void allowFileIsReadAtStartAndReloadedWithoutDroppingConnections() throws Exception {
        Path file = dir.resolve("allow.txt");
        Files.writeString(file, "# clients\n127.0.0.1/32   # this host's main address\n\n");
        try (Server server = Server.start(PolicyServers.settings().allowFile(file).build());
                WireClient first = WireClient.connect(server.port())) {
            assertEquals("STORED", first.call("set k 0 0 1\r\nx\r\n"));
            assertDenied(server.port());

            Files.writeString(file, "127.0.0.2\n");
            assertTrue(server.reloadAllowFile());
            try (WireClient second = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
                assertEquals("x", second.get("k"));
            }
            // 127.0.0.1 is no longer listed: its open connection stays, new ones are refused.
            assertEquals("x", first.get("k"));
            try (WireClient newFirst = WireClient.connect(server.port())) {
                assertTrue(newFirst.closedByPeer());
            }

            // A broken file keeps the rules in effect.
            Files.writeString(file, "127.0.0.1/32\nnot-a-network\n");
            assertFalse(server.reloadAllowFile());
            try (WireClient second = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
                assertEquals("x", second.get("k"));
            }
            Files.delete(file);
            assertFalse(server.reloadAllowFile());
            try (WireClient second = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
                assertEquals("x", second.get("k"));
                assertEquals(2, second.stat("denied_connections"));
            }
            assertEquals("x", first.get("k"));
        }
    }

    @Test
    void embeddedApiTakesAnAllowFileAndReloadsIt() throws Exception {
        Path file = dir.resolve("allow.txt");
        Files.writeString(file, "127.0.0.1\n");
        try (org.bastion.Bastion server = org.bastion.Bastion.builder().settings(s -> s.allowFile(file)).start()) {
            assertDenied(server.port());
            Files.writeString(file, "127.0.0.1\n127.0.0.2\n");
            assertTrue(server.reloadAllowFile());
            try (WireClient other = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
                assertTrue(other.call("version\r\n").startsWith("VERSION "));
            }
        }
    }

    @Test
    void badAllowFileStopsTheStartNamingTheFlagAndLine() throws Exception {
        Path file = dir.resolve("allow.txt");
        Files.writeString(file, "10.0.0.0/8\n10.1.2.3/99\n");
        SettingsException e = assertThrows(SettingsException.class,
                () -> Server.start(PolicyServers.settings().allowFile(file).build()));
        assertEquals("--allow-file", e.flag());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        SettingsException missing = assertThrows(SettingsException.class,
                () -> Server.start(PolicyServers.settings().allowFile(dir.resolve("missing")).build()));
        assertEquals("--allow-file", missing.flag());
    }
}
