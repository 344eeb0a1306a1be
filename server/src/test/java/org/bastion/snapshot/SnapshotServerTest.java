package org.bastion.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bastion.Bastion;
import org.bastion.config.Settings;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots through a running server: the {@code snapshot} command in text and binary answers once the file is
 * durable and keeps replies in order; read-only sources are refused; a server without {@code --snapshot-file} says
 * so; a graceful stop writes the file and the next start (embedded, through the builder) loads it with CAS, flags
 * and TTL unchanged, also under a smaller {@code -m} and {@code -I}.
 */
class SnapshotServerTest {
    @TempDir
    Path dir;

    private Server start(Path file, String readOnly) {
        Settings.Builder b = Settings.builder().port(0).threads(1).snapshotFile(file);
        if (readOnly != null) {
            b.readOnlyFrom(readOnly);
        }
        return Server.start(b.build());
    }

    @Test
    void snapshotCommandAnswersWhenDurableInTextAndBinaryAndKeepsOrder() throws Exception {
        Path file = dir.resolve("s.snap");
        try (Server server = start(file, null); WireClient c = WireClient.connect(server.port())) {
            assertEquals("STORED", c.call("set a 5 0 1\r\nx\r\n"));
            c.send("snapshot\r\nget a\r\n");
            assertEquals("OK", c.readLine());
            assertEquals("VALUE a 5 1", c.readLine());
            assertEquals("x", c.readLine());
            assertEquals("END", c.readLine());
            assertEquals(1, SnapshotFile.verify(file).items());
            assertEquals("ERROR", c.call("snapshot now\r\n"));
            try (WireClient b = WireClient.connect(server.port())) {
                assertEquals("STORED", c.call("set b 0 0 1\r\ny\r\n"));
                b.send(concat(BinaryFrames.request(0x1f), BinaryFrames.request(0x0a)));
                BinaryFrames.Response r = b.readResponse();
                assertEquals(0x1f, r.opcode());
                assertEquals(0, r.status());
                assertEquals(0x0a, b.readResponse().opcode(), "the noop after it is answered after it");
                assertEquals(2, SnapshotFile.verify(file).items());
            }
        }
    }

    /** {@code stats} says what the snapshots did, under Bastion's own names; without snapshots, nothing of them. */
    @Test
    void statsReportTheSnapshots() throws Exception {
        Path file = dir.resolve("stats.snap");
        try (Server server = start(file, null); WireClient c = WireClient.connect(server.port())) {
            String before = c.call("stats\r\n", "END\r\n");
            assertTrue(before.contains("STAT snapshot_writes 0\r\n"), before);
            assertTrue(before.contains("STAT snapshot_last_write 0\r\n"), before);
            assertEquals("STORED", c.call("set a 0 0 1\r\nx\r\n"));
            assertEquals("STORED", c.call("set b 0 0 1\r\ny\r\n"));
            assertEquals("OK", c.call("snapshot\r\n"));
            String after = c.call("stats\r\n", "END\r\n");
            assertTrue(after.contains("STAT snapshot_writes 1\r\n"), after);
            assertTrue(after.contains("STAT snapshot_failures 0\r\n"), after);
            assertTrue(after.contains("STAT snapshot_last_items 2\r\n"), after);
            assertTrue(after.contains("STAT snapshot_last_file_bytes " + Files.size(file) + "\r\n"), after);
            long written = Long.parseLong(after.replaceAll("(?s).*STAT snapshot_last_write (\\d+)\r\n.*", "$1"));
            assertTrue(Math.abs(written - System.currentTimeMillis() / 1000) < 60, "a unix time: " + written);
        }
        try (Server server = start(file, null); WireClient c = WireClient.connect(server.port())) {
            assertTrue(c.call("stats\r\n", "END\r\n").contains("STAT snapshot_loaded_items 2\r\n"));
        }
        try (Server server = Server.start(Settings.builder().port(0).threads(1).build());
                WireClient c = WireClient.connect(server.port())) {
            assertFalse(c.call("stats\r\n", "END\r\n").contains("snapshot_"), "no snapshot lines without them");
        }
    }

    @Test
    void readOnlySourcesAreRefusedAndNoFileIsSaid() throws Exception {
        Path file = dir.resolve("ro.snap");
        try (Server server = start(file, "127.0.0.2/32"); WireClient ro = WireClient.connect(server.port(), "127.0.0.2")) {
            assertEquals("CLIENT_ERROR access denied", ro.call("snapshot\r\n"));
            try (WireClient rob = WireClient.connect(server.port(), "127.0.0.2")) {
                assertEquals(0x20, rob.call(BinaryFrames.request(0x1f)).status());
            }
            assertTrue(!Files.exists(file), "nothing written for a refused request");
        }
        try (Server server = Server.start(Settings.builder().port(0).threads(1).build());
                WireClient c = WireClient.connect(server.port())) {
            assertTrue(c.call("snapshot\r\n").startsWith("SERVER_ERROR snapshot failed: snapshots are off"));
            try (WireClient b = WireClient.connect(server.port())) {
                BinaryFrames.Response r = b.call(BinaryFrames.request(0x1f));
                assertEquals(0x84, r.status());
                assertTrue(r.valueText().contains("--snapshot-file"), r.valueText());
            }
        }
    }

    @Test
    void aGracefulStopWritesAndTheNextStartLoadsUnderSmallerLimits() throws Exception {
        Path file = dir.resolve("restart.snap");
        String gets;
        try (Bastion first = Bastion.builder().settings(s -> s.snapshotFile(file)).start();
                WireClient c = WireClient.connect(first.port())) {
            assertEquals("STORED", c.call("set kept 77 3600 5\r\nhello\r\n"));
            assertEquals("STORED", c.call("set big 1 0 600000\r\n" + "v".repeat(600_000) + "\r\n"));
            gets = c.call("gets kept\r\n", "END\r\n");
        }
        assertEquals(2, SnapshotFile.verify(file).items(), "written on close");
        try (Bastion second = Bastion.builder().settings(s -> s.snapshotFile(file).memoryLimitMegabytes(8)
                .maxItemSize(100_000)).start(); WireClient c = WireClient.connect(second.port())) {
            assertEquals(gets, c.call("gets kept\r\n", "END\r\n"), "flags, value and CAS unchanged");
            assertEquals("END", c.call("get big\r\n"), "over the new -I: left out");
            String ttl = c.call("mg kept t\r\n");
            int left = Integer.parseInt(ttl.substring(ttl.indexOf('t') + 1).trim());
            assertTrue(left >= 3590 && left <= 3600, ttl);
            assertEquals("STORED", c.call("set fresh 0 0 1\r\nz\r\n"));
            long kept = Long.parseLong(gets.split("\r\n")[0].split(" ")[4]);
            String freshGets = c.call("gets fresh\r\n", "END\r\n");
            assertTrue(Long.parseLong(freshGets.split("\r\n")[0].split(" ")[4]) > kept, freshGets);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
