package org.bastion.cli.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bastion.config.Settings;
import org.bastion.snapshot.SnapshotFile;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bastion migrate} against Debian's memcached filled by the test: every item arrives in a running Bastion with
 * its value, flags, CAS and remaining TTL; a value over the target's {@code -I} is skipped and counted; the same copy
 * into a snapshot file loads at a Bastion's start; bad arguments are one line and exit 64.
 */
class MigrateCommandTest {
    static final int ITEMS = 400;
    static MemcachedProcess memcached;

    @TempDir
    Path dir;

    @BeforeAll
    static void fill() throws Exception {
        memcached = MemcachedProcess.start("-I", "2m");
        try (WireClient c = WireClient.connect(memcached.port())) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < ITEMS; i++) {
                String value = "value-" + i + "-" + "x".repeat(i % 50);
                batch.append("set key:").append(i).append(' ').append(i * 3).append(' ').append(i % 2 == 0 ? 0 : 3600)
                        .append(' ').append(value.length()).append("\r\n").append(value).append("\r\n");
            }
            c.send(batch.toString());
            for (int i = 0; i < ITEMS; i++) {
                assertEquals("STORED", c.readLine());
            }
            assertEquals("STORED", c.call("set huge 1 0 1500000\r\n" + "h".repeat(1_500_000) + "\r\n"));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (memcached != null) {
            memcached.close();
        }
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // Every call names the subcommand, as on the command line; the command itself gets what follows it.
        int exit = MigrateCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void copiesEveryItemWithFlagsCasAndTtlIntoARunningBastion() throws Exception {
        try (Server target = Server.start(Settings.builder().port(0).threads(1).build());
                WireClient src = WireClient.connect(memcached.port());
                WireClient dst = WireClient.connect(target.port())) {
            Result r = run("migrate", "--from", "127.0.0.1:" + memcached.port(), "--to", "127.0.0.1:" + target.port(),
                    "--concurrency", "4");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("copied " + ITEMS + " items"), r.out());
            assertTrue(r.out().contains("1 too large"), r.out());
            for (int i = 0; i < ITEMS; i += 7) {
                String key = "key:" + i;
                assertEquals(src.call("gets " + key + "\r\n", "END\r\n"), dst.call("gets " + key + "\r\n", "END\r\n"),
                        "value, flags and CAS of " + key);
                if (i % 2 == 1) {
                    String t = dst.call("mg " + key + " t\r\n");
                    int left = Integer.parseInt(t.substring(t.indexOf(" t") + 2).trim());
                    assertTrue(left > 3500 && left <= 3600, key + ": " + t);
                } else {
                    assertEquals("HD t-1", dst.call("mg " + key + " t\r\n"));
                }
            }
            assertNull(dst.get("huge"), "over the target's -I");
        }
    }

    @Test
    void copiesIntoASnapshotFileThatAStartingBastionLoads() throws Exception {
        Path file = dir.resolve("from-memcached.snap");
        Result r = run("migrate", "--from", "127.0.0.1:" + memcached.port(), "--snapshot-file", file.toString(),
                "--max-item-size", "1m");
        assertEquals(0, r.exit(), r.err());
        assertEquals(ITEMS, SnapshotFile.verify(file).items(), r.out());
        try (Server target = Server.start(Settings.builder().port(0).threads(1).snapshotFile(file).build());
                WireClient src = WireClient.connect(memcached.port());
                WireClient dst = WireClient.connect(target.port())) {
            assertEquals(src.call("gets key:11\r\n", "END\r\n"), dst.call("gets key:11\r\n", "END\r\n"));
        }
    }

    @Test
    void badArgumentsAreOneLineAndExit64() {
        Result none = run("migrate");
        assertEquals(64, none.exit());
        assertTrue(none.err().startsWith("bastion: migrate: --from"), none.err());
        assertEquals(64, run("migrate", "--from", "nohostport").exit());
        assertEquals(64, run("migrate", "--from", "127.0.0.1:1", "--concurrency", "0").exit());
        assertEquals(64, run("migrate", "--from", "127.0.0.1:1", "--to", "127.0.0.1:2", "--snapshot-file", "x").exit());
        Result refused = run("migrate", "--from", "127.0.0.1:1", "--to", "127.0.0.1:2");
        assertEquals(1, refused.exit(), "nothing listens on port 1");
        assertTrue(refused.err().contains("failed"), refused.err());
    }
}
