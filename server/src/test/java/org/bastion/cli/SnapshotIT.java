package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.bastion.snapshot.SnapshotFile;
import org.bastion.snapshot.Snapshots;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots of the real jar as a process. Warm restart as memcached's {@code t/restart.t} checks it: with {@code -e},
 * SIGUSR1 stops the server after writing the file, and the next start (with another {@code -m} and {@code -I}) has
 * the items with their flags, TTLs and CAS. And {@code kill -9} in the middle of a periodic write, at several points
 * (a test hook pauses between blocks), leaves the previous snapshot whole and loadable.
 */
class SnapshotIT {
    @TempDir
    Path dir;

    private static void signal(String name, long pid) throws Exception {
        assertEquals("", Jar.output("kill", "-" + name, Long.toString(pid)).trim());
    }

    private static long casOf(String getsReply) {
        return Long.parseLong(getsReply.split("\r\n")[0].split(" ")[4]);
    }

    @Test
    void warmRestartWithDashEKeepsItemsFlagsTtlsAndCasAcrossSigusr1() throws Exception {
        Path file = dir.resolve("memory_file");
        String gets;
        String counter;
        try (Jar.Server first = new Jar.Server(Jar.asThisUser("-p", "0", "-e", file.toString(), "-m", "64"));
                WireClient c = WireClient.connect(first.port)) {
            assertEquals("STORED", c.call("set foo 33 0 2\r\nhi\r\n"));
            assertEquals("STORED", c.call("set ttl 1 1000 3\r\nttl\r\n"));
            assertEquals("STORED", c.call("set num 0 0 2\r\n10\r\n"));
            assertEquals("11", c.call("incr num 1\r\n"));
            gets = c.call("gets foo\r\n", "END\r\n");
            counter = c.call("gets num\r\n", "END\r\n");
            signal("USR1", first.pid());
            assertTrue(first.process.waitFor(Jar.WAIT_SECONDS, TimeUnit.SECONDS), "SIGUSR1 stops it");
            assertEquals(0, first.process.exitValue(), first.errText());
            assertTrue(first.errText().contains("SIGUSR1: stopping, writing the snapshot"), first.errText());
        }
        assertEquals(3, SnapshotFile.verify(file).items());
        try (Jar.Server second = new Jar.Server(Jar.asThisUser("-p", "0", "-e", file.toString(), "-m", "32", "-I",
                "512k")); WireClient c = WireClient.connect(second.port)) {
            assertTrue(second.errText().contains("loaded 3 items"), second.errText());
            assertEquals(gets, c.call("gets foo\r\n", "END\r\n"));
            assertEquals(counter, c.call("gets num\r\n", "END\r\n"));
            String ttl = c.call("mg ttl t v\r\n", "\r\nttl\r\n");
            int left = Integer.parseInt(ttl.substring(ttl.indexOf(" t") + 2, ttl.indexOf("\r\n")).trim());
            assertTrue(left > 980 && left <= 1000, ttl);
            assertEquals("STORED", c.call("set new 0 0 1\r\nn\r\n"));
            assertTrue(casOf(c.call("gets new\r\n", "END\r\n")) > Math.max(casOf(gets), casOf(counter)));
            assertEquals(0, second.terminate(), "SIGTERM also writes it");
        }
        assertEquals(4, SnapshotFile.verify(file).items());
    }

    @Test
    void killNineDuringPeriodicWritesLeavesThePreviousSnapshotLoadable() throws Exception {
        Path file = dir.resolve("cache.snap");
        Path tmp = SnapshotFile.temporary(file);
        List<String> jvm = List.of("-Xmx256m", "-D" + Snapshots.PAUSE_PROPERTY + "=250");
        String[] args = Jar.asThisUser("-p", "0", "--snapshot-file", file.toString(), "--snapshot-interval", "1");
        long items = 0;
        // Kill points: just after a write started, after about two blocks, after about four.
        for (int delay : new int[] {0, 550, 1050}) {
            try (Jar.Server server = new Jar.Server(Jar.builder(jvm, args), args);
                    WireClient c = WireClient.connect(server.port)) {
                if (items == 0) {
                    StringBuilder batch = new StringBuilder();
                    String value = "v".repeat(1000);
                    for (int i = 0; i < 6000; i++) {
                        batch.append("set k").append(i).append(" 0 0 1000 noreply\r\n").append(value).append("\r\n");
                    }
                    c.send(batch.toString());
                    assertEquals("VERSION", c.call("version\r\n").split(" ")[0]);
                    server.awaitLine(Pattern.compile("snapshot write .*6,000 items.*durable"), 60);
                    items = SnapshotFile.verify(file).items();
                    assertEquals(6000, items);
                } else {
                    server.awaitLine(Pattern.compile("loaded " + items + " items"), 60);
                }
                assertEquals("STORED", c.call("set round" + delay + " 0 0 1\r\nx\r\n"));
                awaitFile(tmp);
                Thread.sleep(delay);
                assertTrue(Files.exists(tmp), "still writing when killed");
                server.process.destroyForcibly();
                assertTrue(server.process.waitFor(30, TimeUnit.SECONDS));
            }
            SnapshotFile.Contents contents = SnapshotFile.verify(file);
            assertTrue(contents.items() >= items, "the previous snapshot is whole: " + contents.items());
            items = contents.items();
        }
        try (Jar.Server last = new Jar.Server(Jar.asThisUser("-p", "0", "--snapshot-file", file.toString()));
                WireClient c = WireClient.connect(last.port)) {
            assertTrue(last.errText().contains("loaded " + items + " items"), last.errText());
            assertTrue(last.errText().contains("unfinished snapshot write"), last.errText());
            assertEquals(1000, c.get("k5999").length());
            assertFalse(Files.exists(tmp));
        }
    }

    private static void awaitFile(Path file) throws InterruptedException {
        for (int i = 0; i < 400 && !Files.exists(file); i++) {
            Thread.sleep(10);
        }
        assertTrue(Files.exists(file), file + " never appeared");
    }
}
