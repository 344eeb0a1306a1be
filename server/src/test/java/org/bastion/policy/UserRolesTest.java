package org.bastion.policy;

import static org.bastion.testing.BinaryFrames.ascii;
import static org.bastion.testing.BinaryFrames.incrExtras;
import static org.bastion.testing.BinaryFrames.int32;
import static org.bastion.testing.BinaryFrames.request;
import static org.bastion.testing.BinaryFrames.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bastion.testing.BinaryFrames.Response;
import org.bastion.testing.PolicyServers;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-user policy at the one policy point, for every command form of text, meta and binary: a read-only user is
 * refused every write, a user confined to {@code t1:} is refused every key outside it (reads too), flush_all and key
 * listings, and admin commands follow the role. Refusals are {@code CLIENT_ERROR access denied} (text, meta) and
 * status 0x20 "Auth failure." (binary), as for a {@code --read-only-from} source; the stream stays in step.
 */
class UserRolesTest {
    private static final String DENIED = "CLIENT_ERROR access denied";

    @TempDir
    Path dir;
    private Server server;

    @BeforeEach
    void start() throws Exception {
        Path users = dir.resolve("users");
        Files.writeString(users, String.join("\n", "admin:a1", "ro:r1 role=readonly",
                "tenant:t1pw role=read,write prefix=t1:", "ops:o1 role=read,admin", ""));
        server = Server.start(PolicyServers.settings().usersFile(users).shutdownEnabled(true).maxItemSize(1024)
                .build());
        try (WireClient admin = text("admin", "a1")) {
            assertEquals("STORED", admin.call("set k 3 100 5\r\nvalue\r\n"));
            assertEquals("STORED", admin.call("set n 0 0 2\r\n10\r\n"));
            assertEquals("STORED", admin.call("set t1:k 0 0 2\r\nv1\r\n"));
        }
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private WireClient text(String user, String password) throws Exception {
        WireClient c = WireClient.connect(server.port());
        String login = user + " " + password;
        assertEquals("STORED", c.call("set login 0 0 " + login.length() + "\r\n" + login + "\r\n"));
        return c;
    }

    private WireClient binary(String user, String password) throws Exception {
        WireClient c = WireClient.connect(server.port());
        Response r = c.call(request(0x21, "PLAIN", new byte[0], ascii("\0" + user + "\0" + password)));
        assertEquals(0, r.status(), "SASL login as " + user);
        return c;
    }

    private static void assertDenied(WireClient c, String command) throws Exception {
        assertEquals(DENIED, c.call(command), command);
        assertTrue(c.call("version\r\n").startsWith("VERSION "), "stream out of step after: " + command);
    }

    private static void assertBinaryDenied(WireClient c, List<byte[]> requests) throws Exception {
        for (byte[] r : requests) {
            String what = String.format("opcode 0x%02x", r[1] & 0xFF);
            Response response = c.call(r);
            assertEquals(0x20, response.status(), what);
            assertEquals("Auth failure.", response.valueText(), what);
            assertEquals(0x0a, c.call(request(0x0a)).opcode(), "stream out of step after " + what);
        }
    }

    private static List<String> textWrites(String key) {
        return List.of("set " + key + " 0 0 3\r\nbad\r\n", "add " + key + "x 0 0 3\r\nbad\r\n",
                "replace " + key + " 0 0 3\r\nbad\r\n", "append " + key + " 0 0 3\r\nbad\r\n",
                "prepend " + key + " 0 0 3\r\nbad\r\n", "cas " + key + " 0 0 3 1\r\nbad\r\n",
                "set " + key + " 0 0 5000\r\n" + "x".repeat(5000) + "\r\n", "delete " + key + "\r\n",
                "incr " + key + " 1\r\n", "decr " + key + " 1\r\n", "touch " + key + " 1\r\n",
                "gat 1 " + key + "\r\n", "gats 1 " + key + "\r\n");
    }

    private static List<String> metaWrites(String key) {
        return List.of("ms " + key + " 3\r\nbad\r\n", "ms " + key + " 3 MA\r\nbad\r\n", "md " + key + "\r\n",
                "md " + key + " I T30\r\n", "ma " + key + "\r\n", "ma " + key + " N0 J7\r\n",
                "mg " + key + " T1 v\r\n", "mg " + key + "x N30 v\r\n");
    }

    private static List<byte[]> binaryWrites(String key) {
        byte[] none = new byte[0];
        List<byte[]> out = new ArrayList<>();
        for (int op : new int[] {0x01, 0x11, 0x02, 0x12, 0x03, 0x13}) {
            out.add(set(op, key, 0, 0, "bad", 0));
        }
        for (int op : new int[] {0x0e, 0x19, 0x0f, 0x1a}) {
            out.add(request(op, key, none, ascii("bad")));
        }
        for (int op : new int[] {0x04, 0x14}) {
            out.add(request(op, key));
        }
        for (int op : new int[] {0x05, 0x15, 0x06, 0x16}) {
            out.add(request(op, key, incrExtras(1, 0, 0), none));
        }
        for (int op : new int[] {0x1c, 0x1d, 0x1e, 0x23, 0x24}) {
            out.add(request(op, key, int32(1), none));
        }
        return out;
    }

    @Test
    void readOnlyUserIsRefusedEveryWriteAndReads() throws Exception {
        try (WireClient ro = text("ro", "r1")) {
            for (String command : textWrites("k")) {
                assertDenied(ro, command);
            }
            for (String command : metaWrites("k")) {
                assertDenied(ro, command);
            }
            for (String command : List.of("flush_all\r\n", "shutdown\r\n", "stats reset\r\n", "cache_memlimit 100\r\n",
                    "verbosity 1\r\n",
                    "stats cachedump 1 1\r\n", "lru_crawler metadump all\r\n")) {
                assertDenied(ro, command);
            }
            assertEquals("value", ro.get("k"));
            assertEquals("VA 5", ro.call("mg k v\r\n"));
            assertEquals("value", ro.readLine());
            assertTrue(ro.stats("").containsKey("curr_items"));
        }
        try (WireClient ro = binary("ro", "r1")) {
            List<byte[]> writes = new ArrayList<>(binaryWrites("k"));
            writes.addAll(List.of(request(0x08), request(0x18)));
            assertBinaryDenied(ro, writes);
            assertEquals("value", ro.call(request(0x00, "k")).valueText());
        }
        assertFalse(server.terminated().isDone());
        try (WireClient admin = text("admin", "a1")) {
            assertEquals("value", admin.get("k"));
            assertEquals("10", admin.get("n"));
        }
    }

    @Test
    void confinedUserWorksInsideItsPrefixOnly() throws Exception {
        try (WireClient t = text("tenant", "t1pw")) {
            assertEquals("STORED", t.call("set t1:new 0 0 1\r\nx\r\n"));
            assertEquals("x", t.get("t1:new"));
            assertEquals("v1", t.get("t1:k"));
            assertEquals("HD", t.call("ms t1:m 1\r\ny\r\n"));
            assertEquals("DELETED", t.call("delete t1:m\r\n"));
            for (String command : textWrites("k")) {
                assertDenied(t, command);
            }
            for (String command : metaWrites("k")) {
                assertDenied(t, command);
            }
            // Reads outside the prefix are refused too, whatever the form; so is a multi-get that strays.
            for (String command : List.of("get k\r\n", "gets k\r\n", "get t1:k k\r\n", "mg k v\r\n", "me k\r\n",
                    "mg t1:kk N30 v\r\n".replace("t1:kk", "kk"))) {
                assertDenied(t, command);
            }
            for (String command : List.of("flush_all\r\n", "flush_all 0\r\n", "stats cachedump 1 1\r\n",
                    "lru_crawler metadump all\r\n", "stats detail dump\r\n", "watch mutations\r\n", "stats reset\r\n",
                    "shutdown\r\n")) {
                assertDenied(t, command);
            }
        }
        try (WireClient t = binary("tenant", "t1pw")) {
            assertEquals(0, t.call(set(0x01, "t1:b", 0, 0, "b", 0)).status());
            assertEquals("b", t.call(request(0x00, "t1:b")).valueText());
            List<byte[]> refused = new ArrayList<>(binaryWrites("k"));
            refused.addAll(List.of(request(0x00, "k"), request(0x0c, "k"), request(0x08), request(0x18)));
            assertBinaryDenied(t, refused);
        }
        try (WireClient admin = text("admin", "a1")) {
            assertEquals("value", admin.get("k"));
            assertEquals("10", admin.get("n"));
        }
    }

    @Test
    void adminCommandsFollowTheRole() throws Exception {
        try (WireClient ops = text("ops", "o1")) {
            assertEquals("RESET", ops.call("stats reset\r\n"));
            assertEquals("OK", ops.call("verbosity 1\r\n"));
            assertDenied(ops, "set k 0 0 1\r\nx\r\n");
            assertDenied(ops, "flush_all\r\n");
            assertDenied(ops, "shutdown\r\n");
        }
        try (WireClient admin = text("admin", "a1")) {
            assertEquals("RESET", admin.call("stats reset\r\n"));
            assertEquals("OK", admin.call("flush_all\r\n"));
        }
    }
}
