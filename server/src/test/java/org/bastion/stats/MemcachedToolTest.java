package org.bastion.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bastion.config.Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.bastion.transport.Server;
import org.bastion.testing.WireClient;

/** memcached's own memcached-tool (Debian's memcached package) reads Bastion without errors, in its usual shapes. */
class MemcachedToolTest {
    static final Path TOOL = Path.of("/usr/share/memcached/scripts/memcached-tool");
    private static Server server;

    @BeforeAll
    static void start() throws Exception {
        server = Server.start(Settings.builder().port(0).threads(1).build());
        try (WireClient c = WireClient.connect(server.port())) {
            c.call("set small 0 0 3\r\nabc\r\n", "\r\n");
            c.call("set big 0 0 4000\r\n" + "x".repeat(4000) + "\r\n", "\r\n");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Runs the tool in a mode; returns its stdout after checking it exited 0 with nothing on stderr. */
    private static List<String> run(String mode) throws IOException, InterruptedException {
        return run(mode, "");
    }

    /** As {@link #run(String)}, where the tool's stderr must be exactly {@code expectedErr}. */
    private static List<String> run(String mode, String expectedErr) throws IOException, InterruptedException {
        assertTrue(Files.isReadable(TOOL), TOOL + " (apt-get install memcached)");
        Process p = new ProcessBuilder("perl", TOOL.toString(), "127.0.0.1:" + server.port(), mode).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "memcached-tool " + mode + " did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        assertEquals(expectedErr, err, "memcached-tool " + mode + " wrote to stderr");
        return out.lines().toList();
    }

    @Test
    void display() throws Exception {
        List<String> lines = run("display");
        assertEquals("  #  Item_Size  Max_age   Pages   Count   Full?  Evicted Evict_Time OOM", lines.get(0));
        // One row per size class holding items: small (class 1) and the 4000-byte value.
        assertEquals(3, lines.size(), String.join("\n", lines));
        for (String row : lines.subList(1, lines.size())) {
            assertTrue(row.matches(" *\\d+ +[0-9.]+[BK] +\\d+s +\\d+ +1 +yes +\\d+ +\\d+ +\\d+"), row);
        }
        // memcached's class 1 and its chunk size: the small item is in the class memcached would put it in.
        assertTrue(lines.get(1).matches("  1 +96B .*"), lines.get(1));
    }

    @Test
    void stats() throws Exception {
        List<String> lines = run("stats");
        assertTrue(lines.get(0).matches("#127\\.0\\.0\\.1:\\d+ +Field +Value"), lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.matches(" +cmd_set +2")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.matches(" +curr_items +2")), String.join("\n", lines));
        assertTrue(lines.subList(1, lines.size()).stream().allMatch(l -> l.matches(" *\\S+ +\\S.*")));
    }

    @Test
    void dumpReadsEveryItemBackThroughMetadump() throws Exception {
        // The tool announces itself on stderr, as it does against memcached.
        List<String> lines = run("dump", "Dumping memcache contents\n");
        // memcached-tool prints an "add <key> <flags> <exptime> <bytes>" line and the value for every key it listed.
        int small = lines.indexOf("add small 0 0 3");
        assertTrue(small >= 0, String.join("\n", lines));
        assertEquals("abc", lines.get(small + 1));
        int big = lines.indexOf("add big 0 0 4000");
        assertTrue(big >= 0, String.join("\n", lines));
        assertEquals("x".repeat(4000), lines.get(big + 1));
        assertEquals(4, lines.size(), String.join("\n", lines));
    }

    @Test
    void settings() throws Exception {
        List<String> lines = run("settings");
        assertTrue(lines.get(0).matches("#127\\.0\\.0\\.1:\\d+ +Field +Value"), lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.matches(" +maxbytes +67108864")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.matches(" +udpport +0")), String.join("\n", lines));
    }
}
