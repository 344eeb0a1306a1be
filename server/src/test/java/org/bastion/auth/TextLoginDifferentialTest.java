package org.bastion.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.PolicyServers;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same {@code -Y} sessions against Debian's memcached 1.6.18 ({@code memcached -Y file}) and Bastion
 * ({@code --users file}), one request at a time, replies compared byte for byte. The users file is memcached's own
 * format, its last line without a newline. Bastion-only: the inputs that crash or stall memcached.
 */
class TextLoginDifferentialTest {
    private static Path dir;
    private static Path users;
    private static MemcachedProcess memcached;
    private static Server bastion;

    @BeforeAll
    static void start() throws Exception {
        // memcached drops to nobody before it reads the file: world-readable, in a directory nobody can enter.
        dir = Files.createTempDirectory("auth-diff");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        users = dir.resolve("users");
        Files.writeString(users, "alice:secret\nbob:pw2");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-r--r--"));
        memcached = MemcachedProcess.start("-Y", users.toString());
        bastion = Server.start(PolicyServers.settings().usersFile(users).build());
    }

    @AfterAll
    static void stop() throws Exception {
        if (memcached != null) {
            memcached.close();
        }
        if (bastion != null) {
            bastion.close();
        }
        Files.deleteIfExists(users);
        Files.deleteIfExists(dir);
    }

    /** Each step sent alone, then its reply read: {@code lines} CRLF-terminated lines, or until the peer closes. */
    private record Step(String send, int lines) {
    }

    private static Step step(String send, int lines) {
        return new Step(send, lines);
    }

    private static List<String> run(int port, List<Step> steps) throws Exception {
        List<String> replies = new ArrayList<>();
        try (WireClient c = WireClient.connect(port)) {
            c.timeoutMillis(3000);
            for (Step s : steps) {
                c.send(s.send());
                if (s.lines() < 0) {
                    ByteArrayOutputStream got = new ByteArrayOutputStream();
                    boolean closed = c.closedByPeer(got);
                    replies.add(got.toString(java.nio.charset.StandardCharsets.ISO_8859_1) + (closed ? "<closed>" : ""));
                } else {
                    replies.add(c.readUntilOrGiveUp(r -> r.split("\r\n", -1).length > s.lines()));
                }
            }
        }
        return replies;
    }

    private static void same(List<Step> steps) throws Exception {
        List<String> reference = run(memcached.port(), steps);
        assertEquals(reference, run(bastion.port(), steps), "memcached answered " + reference);
    }

    @Test
    void beforeLoginEverythingIsUnauthenticated() throws Exception {
        List<Step> steps = List.of(step("get a\r\n", 1), step("version\r\n", 1), step("mg a v\r\n", 1),
                step("stats\r\n", 1), step("\r\n", 1), step("a\r\n", 1), step("set a 0 0\r\n", 1),
                step("set a 0 0 -1\r\n", 1), step("set a 0 0 abc\r\n", 1), step("add a 0 0 12\r\n", 1),
                step("flush_all\r\n", 1), step("shutdown\r\n", 1));
        same(steps);
        assertEquals("CLIENT_ERROR unauthenticated\r\n", run(bastion.port(), steps).get(0));
    }

    @Test
    void loginThenCommands() throws Exception {
        same(List.of(step("set a 0 0 12\r\nalice secret\r\n", 1), step("get a\r\n", 1),
                step("set k 0 0 1\r\nx\r\n", 1), step("get k\r\n", 3), step("mn\r\n", 1), step("mg k v\r\n", 2)));
        same(List.of(step("set anything 5 100 12 noreply\r\nalice secret\r\n", 1), step("mn\r\n", 1)));
        same(List.of(step("set a 0 0 14\r\nalice secret x\r\n", 1), step("mn\r\n", 1)));
        same(List.of(step("set a 0 0 12\nalice secret\r\n", 1), step("mn\r\n", 1)));
        same(List.of(step("set a 0 0 13\r\nalice  secret\r\n", 1), step("mn\r\n", 1)));
    }

    @Test
    void lastLineWithoutNewlineIsWhole() throws Exception {
        same(List.of(step("set a 0 0 6\r\nbob pw\r\n", 1), step("set a 0 0 7\r\nbob pw2\r\n", 1),
                step("mn\r\n", 1)));
    }

    @Test
    void failuresAndMalformedLogins() throws Exception {
        same(List.of(step("set a 0 0 12\r\nalice wrong!\r\n", 1), step("get a\r\n", 1)));
        same(List.of(step("set a 0 0 5\r\nalice\r\n", 1), step("get a\r\n", 1)));
        same(List.of(step("set a 0 0 12\r\nalice secretXY", 1), step("get a\r\n", 1)));
        same(List.of(step("set a 0 0 12\r\nalice\0secret\r\n", 1), step("get a\r\n", 1)));
        same(List.of(step("set a 0 0 5\r\n\0\0\0\0\0\r\n", 1)));
    }

    @Test
    void aLongLineWithoutNewlineCloses() throws Exception {
        same(List.of(step("x".repeat(3000), -1)));
        // memcached lets a long get line grow once logged in; before, no line may pass 2048 bytes.
        same(List.of(step("get " + "k ".repeat(1500), -1)));
    }

    /** memcached 1.6.18 stalls or crashes on these (a length near 2^31 or 2^32); Bastion refuses and closes. */
    @Test
    void hugeLoginLengthsAreRefusedAndTheServerLivesOn() throws Exception {
        for (String length : List.of("2147483647", "2147483646", "4294967295", "4294967294", "100000")) {
            List<String> replies = run(bastion.port(), List.of(step("set a 0 0 " + length + "\r\n", -1)));
            assertEquals(List.of("CLIENT_ERROR bad authentication token format\r\n<closed>"), replies, length);
        }
        assertEquals(List.of("STORED\r\n"), run(bastion.port(), List.of(step("set a 0 0 12\r\nalice secret\r\n", 1))));
    }

    @Test
    void aConnectionGetsAFewFailuresThenIsClosed() throws Exception {
        String wrong = "set a 0 0 7\r\nbob pw3\r\n";
        List<String> replies = run(bastion.port(), List.of(step(wrong, 1), step(wrong, 1), step(wrong, -1)));
        assertEquals("CLIENT_ERROR authentication failure\r\n", replies.get(0));
        assertEquals("CLIENT_ERROR authentication failure\r\n<closed>", replies.get(2));
        try (WireClient c = WireClient.connect(bastion.port())) {
            assertEquals("STORED", c.call("set a 0 0 12\r\nalice secret\r\n"));
            java.util.Map<String, String> stats = c.stats("");
            assertTrue(Long.parseLong(stats.get("auth_errors")) >= 3, stats.toString());
            assertTrue(Long.parseLong(stats.get("auth_cmds")) > Long.parseLong(stats.get("auth_errors")));
        }
    }
}
