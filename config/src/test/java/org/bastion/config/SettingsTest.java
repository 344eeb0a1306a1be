package org.bastion.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The settings model: hardened defaults, and one-line errors naming the flag for every invalid value. */
class SettingsTest {
    /** Asserts the call fails with a one-line message that starts with the flag's name. */
    static SettingsException refused(String flag, Executable call) {
        SettingsException e = assertThrows(SettingsException.class, call);
        assertEquals(flag, e.flag());
        assertTrue(e.getMessage().startsWith(flag + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void defaultsAreTheHardenedOnes() {
        Settings s = Settings.defaults();
        assertEquals(11222, s.port());
        assertEquals(List.of("127.0.0.1"), s.listen());
        assertEquals(64L * 1024 * 1024, s.memoryLimitBytes());
        assertEquals(1024, s.maxConnections());
        assertEquals(Runtime.getRuntime().availableProcessors(), s.threads());
        assertEquals(1024 * 1024, s.maxItemSize());
        assertFalse(s.evictionsDisabled());
        assertNull(s.user());
        assertEquals(0, s.verbosity());
        assertEquals(Protocol.AUTO, s.protocol());
        assertEquals(0, s.idleTimeoutSeconds());
        assertEquals(30, s.requestTimeoutSeconds());
        assertTrue(s.allow().isEmpty());
        assertTrue(s.readOnlyFrom().isEmpty());
        assertEquals(0, s.maxConnectionsPerSource());
        assertFalse(s.flushAllDisabled());
        assertFalse(s.shutdownEnabled());
        assertFalse(s.dumpingDisabled());
        assertFalse(s.daemon());
        assertNull(s.pidFile());
        assertNull(s.metricsListen());
        assertTrue(s.warnings().isEmpty());
    }

    @Test
    void describeListsTheEffectiveSettings() {
        String d = Settings.builder().port(1234).memoryLimitMegabytes(128).build().describe();
        // The names `stats settings` uses, so banner and stats agree.
        assertTrue(d.contains("tcpport 1234\n"), d);
        assertTrue(d.contains("maxbytes 134217728\n"), d);
        assertTrue(d.contains("inter 127.0.0.1\n"), d);
        assertTrue(d.contains("udpport 0 (no UDP)\n"), d);
    }

    @Test
    void toBuilderKeepsEverything() {
        Settings s = Settings.builder().port(1).listen("127.0.0.1,::1").memoryLimitMegabytes(10).maxConnections(5)
                .threads(3).maxItemSize(2048).evictionsDisabled(true).user("nobody").verbosity(2)
                .protocol(Protocol.BINARY).idleTimeoutSeconds(7).requestTimeoutSeconds(8).allow("10.0.0.0/8")
                .maxConnectionsPerSource(4).readOnlyFrom("10.1.0.0/16").flushAllDisabled(true).shutdownEnabled(true)
                .dumpingDisabled(true).build();
        assertEquals(s.describe(), s.toBuilder().build().describe());
        assertEquals(s.user(), s.toBuilder().build().user());
    }

    @Test
    void portMustBeATcpPort() {
        refused("-p/--port", () -> Settings.builder().port(-1));
        refused("-p/--port", () -> Settings.builder().port(65536));
        assertEquals(0, Settings.builder().port(0).build().port());
        assertEquals(65535, Settings.builder().port(65535).build().port());
    }

    @Test
    void listenNeedsAnAddress() {
        refused("-l/--listen", () -> Settings.builder().listen(" , "));
        assertEquals(List.of("127.0.0.1", "::1"), Settings.builder().listen("127.0.0.1, ::1").build().listen());
    }

    @Test
    void listeningBeyondLoopbackNeedsAnAllowList() {
        SettingsException e = refused("-l/--listen", () -> Settings.builder().listen("0.0.0.0").build());
        assertTrue(e.getMessage().contains("--allow"), e.getMessage());
        Settings s = Settings.builder().listen("0.0.0.0").allow("10.0.0.0/8").build();
        assertEquals("10.0.0.0/8", s.allow().get(0).toString());
    }

    @Test
    void allowingEverySourceIsAWarning() {
        Settings s = Settings.builder().listen("0.0.0.0").allow("0.0.0.0/0").build();
        assertEquals(1, s.warnings().size());
        assertTrue(s.warnings().get(0).startsWith("--allow 0.0.0.0/0"), s.warnings().get(0));
    }

    /** Issue 15 item 14: an IPv4-mapped IPv6 rule is accepted and means the IPv4 network. */
    @Test
    void ipv4MappedRulesMeanTheIpv4Network() throws Exception {
        assertEquals(Cidr.parse("--allow", "127.0.0.1/32"), Cidr.parse("--allow", "::ffff:127.0.0.1/128"));
        assertEquals(Cidr.parse("--allow", "10.0.0.0/8"), Cidr.parse("--allow", "::ffff:10.0.0.0/104"));
        assertEquals(Cidr.parse("--allow", "10.1.2.3/32"), Cidr.parse("--allow", "::ffff:10.1.2.3"));
        assertEquals(Cidr.parse("--allow", "0.0.0.0/0"), Cidr.parse("--allow", "::ffff:0.0.0.0/96"));
        assertEquals("::ffff:127.0.0.1/128", Settings.builder().allow("::ffff:127.0.0.1/128").build().allow().get(0)
                .toString());
        refused("--allow", () -> Settings.builder().allow("::ffff:127.0.0.1/129"));
        refused("--allow", () -> Settings.builder().allow("::ffff:10.0.0.0/80"));
    }

    @Test
    void badCidrsNameTheirFlag() {
        refused("--allow", () -> Settings.builder().allow("10.0.0.0/33"));
        refused("--allow", () -> Settings.builder().allow("example.com"));
        refused("--allow", () -> Settings.builder().allow(","));
        refused("--read-only-from", () -> Settings.builder().readOnlyFrom("1.2.3"));
    }

    @Test
    void limitsAreChecked() {
        refused("-m/--memory-limit", () -> Settings.builder().memoryLimitMegabytes(0));
        refused("-c/--conn-limit", () -> Settings.builder().maxConnections(0));
        refused("-t/--threads", () -> Settings.builder().threads(0));
        refused("-t/--threads", () -> Settings.builder().threads(257));
        refused("-I/--max-item-size", () -> Settings.builder().maxItemSize(1023));
        refused("-I/--max-item-size", () -> Settings.builder().maxItemSize(Settings.MAX_ITEM_SIZE + 1));
        refused("-o idle_timeout", () -> Settings.builder().idleTimeoutSeconds(-1));
        refused("--request-timeout", () -> Settings.builder().requestTimeoutSeconds(-1));
        refused("--max-conns-per-ip", () -> Settings.builder().maxConnectionsPerSource(-1));
        refused("-u/--user", () -> Settings.builder().user(" "));
    }

    @Test
    void itemSizeAtMostHalfTheMemory() {
        refused("-I/--max-item-size", () -> Settings.builder().memoryLimitMegabytes(1).maxItemSize(1024 * 1024).build());
        assertEquals(512 * 1024, Settings.builder().memoryLimitMegabytes(1).maxItemSize(512 * 1024).build().maxItemSize());
    }

    @Test
    void udpIsRefusedWithItsReason() {
        SettingsException e = refused("-U/--udp-port", () -> Settings.builder().udpPort(11211).build());
        assertTrue(e.getMessage().contains("amplif"), e.getMessage());
        Settings.builder().udpPort(0).build();
    }

    @Test
    void protocolNames() {
        assertEquals(Protocol.ASCII, Settings.builder().protocol("ascii").build().protocol());
        assertEquals(Protocol.BINARY, Settings.builder().protocol(" Binary ").build().protocol());
        refused("-B/--protocol", () -> Settings.builder().protocol("udp"));
    }

    @Test
    void loopbackDetection() {
        assertTrue(Settings.isLoopback("127.0.0.1"));
        assertTrue(Settings.isLoopback("127.1.2.3"));
        assertTrue(Settings.isLoopback("::1"));
        assertTrue(Settings.isLoopback("[::1]"));
        assertTrue(Settings.isLoopback("localhost"));
        assertFalse(Settings.isLoopback("0.0.0.0"));
        assertFalse(Settings.isLoopback("10.1.2.3"));
    }
}
