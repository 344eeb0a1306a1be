package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.bastion.Bastion;
import org.bastion.config.Audit;
import org.bastion.config.Finding;
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
        Process memcached = startMemcached(false);
        try {
            int port = portOf(memcached);
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
        } finally {
            stop(memcached);
        }
    }

    @Test
    void memcachedWithUdpIsAHighFinding() throws Exception {
        Process memcached = startMemcached(true);
        try {
            int port = portOf(memcached);
            Probe.Result result = Probe.run(Probe.parseTarget("127.0.0.1:" + port));
            List<Finding> findings = Audit.exposure(result.version(), result.stats(), result.settings());
            assertTrue(findings.stream().anyMatch(f -> f.severity() == Finding.Severity.HIGH
                    && f.topic().equals("udp") && f.problem().contains("UDP port " + port)), findings.toString());
        } finally {
            stop(memcached);
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
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("get probe-canary\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[256];
            int n = s.getInputStream().read(buf);
            assertTrue(new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("VALUE probe-canary 0 1"));
        }
    }

    /** memcached on a random loopback port (and the same UDP port when asked), retried if the port is taken. */
    private static Process startMemcached(boolean udp) throws Exception {
        IOException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20000, 60000);
            Process p = new ProcessBuilder("memcached", "-u", "nobody", "-l", "127.0.0.1", "-p", Integer.toString(port),
                    "-U", udp ? Integer.toString(port) : "0").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            ports.put(p, port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (p.isAlive() && System.nanoTime() < deadline) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                    s.setSoTimeout(5000);
                    s.getOutputStream().write("set probe-canary 0 0 1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
                    byte[] buf = new byte[16];
                    int n = s.getInputStream().read(buf);
                    if (n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).equals("STORED\r\n")) {
                        return p;
                    }
                } catch (IOException e) {
                    last = e;
                    Thread.sleep(50);
                }
            }
            stop(p); // the port was taken (memcached exited) or it never answered: try another
        }
        throw new IllegalStateException("could not start memcached on a free loopback port", last);
    }

    private static final java.util.Map<Process, Integer> ports = new java.util.concurrent.ConcurrentHashMap<>();

    private static int portOf(Process p) {
        return ports.get(p);
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        ports.remove(p);
    }
}
