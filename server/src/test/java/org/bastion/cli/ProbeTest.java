package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bastion.Bastion;
import org.bastion.config.Audit;
import org.bastion.config.Finding;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;

/** {@code audit --probe} against Bastion in this JVM and against Debian's memcached started by the test. */
class ProbeTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private int probe(String target) {
        return AuditCommand.run(new String[] {"--probe", target}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), () -> new FakePosix(1000));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void bastionWithDefaultsDisclosesStatsAndAllowsFlushButHasNoUdp() throws Exception {
        try (Bastion server = Bastion.builder().settings(s -> s.port(0)).start()) {
            Probe.Result result = Probe.run(Probe.parseTarget("127.0.0.1:" + server.port()));
            assertNull(result.closedEarly());
            assertEquals("1.6.18", result.version());
            assertEquals("0", result.settings().get("udpport"));
            assertEquals(1, probe("127.0.0.1:" + server.port()));
        }
        String report = out();
        assertTrue(report.contains("MEDIUM  flush_all: flush_all is enabled"), report);
        assertTrue(report.contains("INFO    maxconns: at most 1024 connections, per source unlimited"), report);
        assertTrue(report.contains("MEDIUM  auth: authentication is disabled"), report);
        assertTrue(!report.contains("udp:") && !report.contains("shutdown:"), report);
    }

    @Test
    void bastionHardenedLeavesOnlyDisclosureAndAuth() throws Exception {
        try (Bastion server = Bastion.builder().settings(s -> s.port(0).flushAllDisabled(true).dumpingDisabled(true).maxConnections(50)).start()) {
            assertEquals(1, probe("127.0.0.1:" + server.port()));
        }
        String report = out();
        assertTrue(!report.contains("flush_all:") && !report.contains("dumping:"), report);
        assertTrue(report.contains("at most 50 connections"), report);
    }

    @Test
    void memcachedWithoutUdp() throws Exception {
        try (MemcachedProcess memcached = MemcachedProcess.start()) {
            int port = memcached.port();
            try (WireClient c = WireClient.connect(port)) {
                assertEquals("STORED", c.call("set probe-canary 0 0 1\r\nx\r\n"));
            }
            assertEquals(1, probe("127.0.0.1:" + port));
            String report = out();
            assertTrue(report.contains("(answers as memcached 1.6"), report);
            assertTrue(report.contains("LOW     stats: stats disclosed"), report);
            assertTrue(report.contains("LOW     stats settings: stats settings disclosed"), report);
            assertTrue(report.contains("MEDIUM  auth: authentication is disabled (auth_enabled_sasl no)"), report);
            assertTrue(report.contains("MEDIUM  flush_all: flush_all is enabled"), report);
            assertTrue(report.contains("INFO    maxconns: at most 1024 connections"), report);
            assertTrue(!report.contains("udp:"), report);
            assertStillHoldsItsData(port);
        }
    }

    @Test
    void memcachedWithUdpIsAHighFinding() throws Exception {
        try (MemcachedProcess memcached = MemcachedProcess.startWithUdp()) {
            int port = memcached.port();
            Probe.Result result = Probe.run(Probe.parseTarget("127.0.0.1:" + port));
            List<Finding> findings = Audit.exposure(result.version(), result.stats(), result.settings());
            assertTrue(findings.stream().anyMatch(f -> f.severity() == Finding.Severity.HIGH
                    && f.topic().equals("udp") && f.problem().contains("UDP port " + port)), findings.toString());
        }
    }

    @Test
    void aServerThatClosesAtOnceTellsNothing() throws Exception {
        try (ServerSocket denying = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = denying.accept()) {
                    // closed without a byte, as Bastion closes a denied source
                } catch (IOException e) {
                    // test over
                }
            });
            t.start();
            assertEquals(0, probe("127.0.0.1:" + denying.getLocalPort()));
            t.join(10_000);
        }
        assertTrue(out().contains("note: the server closed the connection without answering"), out());
        assertTrue(out().contains("bastion audit: no findings"), out());
    }

    /** The probe changes nothing: an item stored before is still there after. */
    private static void assertStillHoldsItsData(int port) throws IOException {
        try (WireClient c = WireClient.connect(port)) {
            assertTrue(c.call("get probe-canary\r\n").startsWith("VALUE probe-canary 0 1"));
        }
    }
}
