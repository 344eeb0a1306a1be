package org.bastion.scaleout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastion.Bastion;
import org.bastion.junit.ServerPool;
import org.bastion.testing.KetamaRing;
import org.bastion.testing.NutcrackerProcess;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three Bastions behind twemproxy ({@code nutcracker}) configured by the shipped {@code config/nutcracker.yml} (only
 * its ports replaced): memcaslap through the proxy, the keys' spread and placement, one Bastion killed (ejected,
 * traffic goes on) and restarted (it rejoins), and throughput through the proxy against direct. All on loopback.
 *
 * <p>The Bastions cap connections per source at {@value #PER_SOURCE_CAP} while memcaslap opens {@value #CLIENTS}
 * client connections: the proxy is the only source they see, and it multiplexes every client over its
 * {@code server_connections} (one) per Bastion.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NutcrackerIT {
    private static final int PER_SOURCE_CAP = 4;
    private static final int CLIENTS = 16;
    /** Operations of each throughput run; four are made, alternating direct and proxied. */
    private static final int BENCH_OPS = Integer.getInteger("bastion.scaleout.ops", 40_000);
    private static final Path SHIPPED = Path.of(System.getProperty("bastion.config.dir", "../config"), "nutcracker.yml");

    private static ServerPool pool;
    private static NutcrackerProcess proxy;
    private static KetamaRing ring;

    @BeforeAll
    static void start() throws Exception {
        pool = ServerPool.start(3, Bastion.builder().settings(s -> s.maxConnectionsPerSource(PER_SOURCE_CAP)));
        proxy = NutcrackerProcess.start(SHIPPED, List.of(pool.port(0), pool.port(1), pool.port(2)));
        ring = new KetamaRing(proxy.names());
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    @Order(1)
    void memcaslapThroughTheProxySpreadsKeysWithinTenPercentOfEven() throws Exception {
        Map<String, Long> run = memcaslap(proxyList(), "-x", "30000", "-T", "2", "-c", Integer.toString(CLIENTS),
                "-w", "1k", "-X", "100", "-d", "10");
        assertTrue(run.get("cmd_set") > 0, "memcaslap set keys: " + run);
        assertTrue(run.get("cmd_get") > 0, "and read them: " + run);
        assertEquals(0, run.get("get_misses"), "every key it read back was there: " + run);
        // memcaslap's key count depends on the machine's speed; 6,000 more keys make the count large enough that
        // sampling noise (about 1/sqrt(keys per server)) stays well inside the 10%.
        try (WireClient c = WireClient.connect(proxy.port())) {
            for (int batch = 0; batch < 300; batch++) {
                StringBuilder sets = new StringBuilder();
                for (int k = batch * 20; k < batch * 20 + 20; k++) {
                    sets.append("set spread-").append(k).append(" 0 0 1\r\nv\r\n");
                }
                c.send(sets.toString());
                for (int k = batch * 20; k < batch * 20 + 20; k++) {
                    if (!c.readLine().equals("STORED")) {
                        retry(c, "spread-" + k); // a proxy timeout on a loaded machine; not what this test is about
                    }
                }
            }
        }
        long[] items = new long[3];
        long total = 0;
        for (int i = 0; i < 3; i++) {
            try (WireClient c = WireClient.connect(pool.port(i))) {
                Map<String, String> stats = c.stats("");
                items[i] = Long.parseLong(stats.get("curr_items"));
                assertTrue(Long.parseLong(stats.get("cmd_get")) > 0, "server " + i + " served gets");
                assertTrue(Long.parseLong(stats.get("curr_connections")) <= 2,
                        "the proxy's one connection and this one, however many clients: " + stats);
            }
            total += items[i];
        }
        for (int i = 0; i < 3; i++) {
            double ofEven = items[i] / (total / 3.0);
            System.out.printf("nutcracker spread: %s holds %d of %d keys (%.3f of even; the ring gives it %.3f)%n",
                    proxy.names().get(i), items[i], total, ofEven, ring.shares().get(proxy.names().get(i)) * 3);
            assertTrue(ofEven > 0.9 && ofEven < 1.1, proxy.names().get(i) + " holds " + items[i] + " of " + total);
        }
    }

    @Test
    @Order(2)
    void multiGetThroughTheProxyGathersKeysFromEveryServer() throws Exception {
        StringBuilder get = new StringBuilder("get");
        try (WireClient c = WireClient.connect(proxy.port())) {
            for (int k = 0; k < 60; k++) {
                assertEquals("STORED", c.call("set mget-" + k + " 0 0 " + Integer.toString(k).length() + "\r\n" + k + "\r\n"));
                get.append(" mget-").append(k);
            }
            String reply = c.call(get.append("\r\n").toString(), "END\r\n");
            for (int k = 0; k < 60; k++) {
                assertTrue(reply.contains("VALUE mget-" + k + " 0 " + Integer.toString(k).length() + "\r\n" + k + "\r\n"),
                        "mget-" + k + " in " + reply);
            }
        }
        for (int k = 0; k < 60; k++) {
            int owner = proxy.names().indexOf(ring.nodeFor("mget-" + k));
            assertEquals(Integer.toString(k), WireClient.get(pool.port(owner), "mget-" + k),
                    "mget-" + k + " is on " + ring.nodeFor("mget-" + k) + ", where libmemcached's weighted ketama puts it");
        }
    }

    @Test
    @Order(3)
    void aDeadServerIsEjectedAndTrafficGoesOnThenItRejoins() throws Exception {
        String dead = proxy.names().get(1);
        pool.stop(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        try (WireClient c = WireClient.connect(proxy.port())) {
            int k = 0;
            while (proxy.serverCounter(dead, "server_ejected_at") == 0) {
                assertTrue(System.nanoTime() < deadline, "the proxy did not eject " + dead + ": " + proxy.stats());
                c.call("set probe-" + k++ + " 0 0 1\r\nx\r\n"); // fails for the dead server's keys until ejected
                Thread.sleep(10);
            }
            assertTrue(proxy.poolCounter("server_ejects") >= 1);

            // Ejected: the dead server's keys go to the others, as the ring without it says.
            KetamaRing survivors = ring.without(dead);
            int stored = 0;
            int refused = 0;
            List<String> orphans = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String key = "after-" + i;
                String reply = c.call("set " + key + " 0 0 1\r\ny\r\n");
                if (reply.equals("STORED")) {
                    stored++;
                    assertEquals("y", c.get(key), key + " reads back through the proxy");
                    if (ring.nodeFor(key).equals(dead)) {
                        orphans.add(key);
                    }
                } else {
                    refused++; // a retry of the dead server (every server_retry_timeout) fails one request
                    assertTrue(reply.startsWith("SERVER_ERROR"), reply);
                }
            }
            System.out.printf("nutcracker after ejecting %s: %d of 300 sets stored, %d refused%n", dead, stored, refused);
            assertTrue(stored >= 290, stored + " of 300 sets stored after the ejection");
            assertTrue(orphans.size() > 50, "keys of the dead server were among them: " + orphans.size());
            for (String key : orphans) {
                int now = proxy.names().indexOf(survivors.nodeFor(key));
                assertEquals("y", WireClient.get(pool.port(now), key), key + " moved to " + survivors.nodeFor(key));
            }

            // Back: after server_retry_timeout the proxy tries it again and its keys return to it.
            pool.restart(1);
            String homeKey = null;
            for (int i = 0; homeKey == null; i++) {
                homeKey = ring.nodeFor("home-" + i).equals(dead) ? "home-" + i : null;
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!"z".equals(WireClient.get(pool.port(1), homeKey))) {
                assertTrue(System.nanoTime() < deadline, dead + " did not rejoin: " + proxy.stats());
                c.call("set " + homeKey + " 0 0 1\r\nz\r\n");
                Thread.sleep(50);
            }
        }
    }

    /** A pool of its own without the per-source cap, which memcaslap's direct connections would exceed. */
    @Test
    @Order(4)
    void throughputThroughTheProxyAgainstDirect() throws Exception {
        double directTps = 0;
        double proxiedTps = 0;
        try (ServerPool uncapped = ServerPool.start(3);
                NutcrackerProcess benchProxy = NutcrackerProcess.start(SHIPPED,
                        List.of(uncapped.port(0), uncapped.port(1), uncapped.port(2)))) {
            for (int round = 0; round < 2; round++) {
                directTps += memcaslap(List.of("-s", uncapped.serverList(",")), benchArgs()).get("TPS");
                proxiedTps += memcaslap(List.of("-s", "127.0.0.1:" + benchProxy.port()), benchArgs()).get("TPS");
            }
        }
        System.out.printf("memcaslap %d ops x2 alternated: direct to 3 Bastions %.0f ops/s, through nutcracker %.0f ops/s,"
                + " ratio %.2f%n", BENCH_OPS, directTps / 2, proxiedTps / 2, proxiedTps / directTps);
        assertTrue(directTps > 0 && proxiedTps > 0);
    }

    private static void retry(WireClient c, String key) throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            if (c.call("set " + key + " 0 0 1\r\nv\r\n").equals("STORED")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(key + " could not be stored through the proxy: " + proxy.stats());
    }

    private static String[] benchArgs() {
        return new String[] {"-x", Integer.toString(BENCH_OPS), "-T", "4", "-c", Integer.toString(CLIENTS), "-w", "1k", "-X", "100"};
    }

    private static List<String> proxyList() {
        return List.of("-s", "127.0.0.1:" + proxy.port());
    }

    /** Runs memcaslap to completion (bounded), returning its summary's counters and {@code TPS}. */
    private static Map<String, Long> memcaslap(List<String> servers, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("memcaslap"));
        cmd.addAll(servers);
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("memcaslap", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("memcaslap did not finish: " + cmd);
            }
            String text = Files.readString(out, StandardCharsets.ISO_8859_1);
            assertEquals(0, p.exitValue(), text);
            Map<String, Long> counters = new java.util.LinkedHashMap<>();
            Matcher m = Pattern.compile("(?m)^(cmd_get|cmd_set|get_misses): (\\d+)").matcher(text);
            while (m.find()) {
                counters.put(m.group(1), Long.parseLong(m.group(2)));
            }
            Matcher tps = Pattern.compile("TPS: (\\d+)").matcher(text);
            assertTrue(tps.find() && counters.size() == 3, "no summary from " + cmd + ": " + text);
            counters.put("TPS", Long.parseLong(tps.group(1)));
            return counters;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
