package org.bastion.clients;

import static org.bastion.clients.CacheClient.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.bastion.Bastion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a client library's users do, for spymemcached, xmemcached and folsom each in text and in binary
 * ({@link ClientKind#all}), against one Bastion on port 0, so any difference between libraries or protocols shows
 * up side by side. Every run works under keys of its own.
 */
class ClientScenariosTest {
    private static final AtomicInteger RUN = new AtomicInteger();
    private static Bastion server;

    @BeforeAll
    static void start() {
        server = Bastion.builder().settings(s -> s.port(0)).start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static Stream<ClientKind> clients() {
        return ClientKind.all().stream();
    }

    static Stream<ClientKind> binaryClients() {
        return clients().filter(k -> k.wire() == ClientKind.Wire.BINARY);
    }

    private static CacheClient connect(ClientKind kind) throws Exception {
        return kind.connect(server.address());
    }

    /** A key prefix no other run uses. */
    private static String prefix(ClientKind kind) {
        return kind.toString().replace(' ', '-') + "-" + RUN.incrementAndGet() + "-";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void setThenGet(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            assertTrue(c.set(p + "k", 0, bytes("hello")));
            assertArrayEquals(bytes("hello"), c.get(p + "k"));
            assertTrue(c.set(p + "k", 0, bytes("again")));
            assertArrayEquals(bytes("again"), c.get(p + "k"));
            assertNull(c.get(p + "missing"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void emptyValue(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            assertTrue(c.set(p + "k", 0, new byte[0]));
            assertArrayEquals(new byte[0], c.get(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void addOnlyWhenMissingAndReplaceOnlyWhenPresent(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            assertFalse(c.replace(p + "k", 0, bytes("r")));
            assertNull(c.get(p + "k"));
            assertTrue(c.add(p + "k", 0, bytes("first")));
            assertFalse(c.add(p + "k", 0, bytes("second")));
            assertArrayEquals(bytes("first"), c.get(p + "k"));
            assertTrue(c.replace(p + "k", 0, bytes("new")));
            assertArrayEquals(bytes("new"), c.get(p + "k"));
            assertTrue(c.set(p + "other", 0, bytes("old")));
            assertTrue(c.replace(p + "other", 0, bytes("new")));
            assertArrayEquals(bytes("new"), c.get(p + "other"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void appendAndPrepend(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            assertFalse(c.append(p + "k", bytes("x")));
            assertFalse(c.prepend(p + "k", bytes("x")));
            assertTrue(c.set(p + "k", 0, bytes("middle")));
            assertTrue(c.append(p + "k", bytes("-end")));
            assertTrue(c.prepend(p + "k", bytes("start-")));
            assertArrayEquals(bytes("start-middle-end"), c.get(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void getsThenCas(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            assertNull(c.gets(p + "k"));
            assertTrue(c.set(p + "k", 0, bytes("v1")));
            CacheClient.Versioned v1 = c.gets(p + "k");
            assertNotNull(v1);
            assertArrayEquals(bytes("v1"), v1.value());
            assertTrue(c.cas(p + "k", v1.cas(), 0, bytes("v2")));
            assertArrayEquals(bytes("v2"), c.get(p + "k"));
            assertFalse(c.cas(p + "k", v1.cas(), 0, bytes("v3")), "a stale CAS must not store");
            CacheClient.Versioned v2 = c.gets(p + "k");
            assertNotEquals(v1.cas(), v2.cas());
            assertArrayEquals(bytes("v2"), v2.value());
            assertFalse(c.cas(p + "missing", v2.cas(), 0, bytes("x")));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void delete(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            assertTrue(c.set(p + "k", 0, bytes("x")));
            assertTrue(c.delete(p + "k"));
            assertNull(c.get(p + "k"));
            assertFalse(c.delete(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void incrAndDecr(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            assertTrue(c.set(p + "n", 0, bytes("10")));
            assertEquals(15, c.incr(p + "n", 5));
            assertEquals(12, c.decr(p + "n", 3));
            assertEquals(0, c.decr(p + "n", 100), "decr stops at zero");
            assertEquals(1_000_000_000_000L, c.incr(p + "n", 1_000_000_000_000L));
            assertArrayEquals(bytes("1000000000000"), c.get(p + "n"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void incrKeepsTheLongerLengthPaddedWithASpace(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            assertTrue(c.set(p + "n", 0, bytes("10")));
            assertEquals(15, c.incr(p + "n", 5));
            assertEquals(0, c.decr(p + "n", 20), "decr stops at zero");
            assertEquals(7, c.incr(p + "n", 7));
            assertEquals("7 ", c.getText(p + "n"), "memcached keeps the longer length, padded with a space");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryClients")
    void binaryIncrementCreatesAMissingCounterWithItsInitialValue(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            assertEquals(100, c.incrOrCreate(p + "n", 5, 100));
            assertEquals(105, c.incrOrCreate(p + "n", 5, 100));
            assertEquals("105", c.getText(p + "n"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void touch(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            assertFalse(c.touch(p + "k", 100));
            assertTrue(c.set(p + "k", 0, bytes("v")));
            assertTrue(c.touch(p + "k", 3600));
            assertArrayEquals(bytes("v"), c.get(p + "k"));
            // A 1-second TTL: the item goes within a few seconds (bounded wait; folsom rewrites absolute times).
            assertTrue(c.touch(p + "k", 1));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (c.get(p + "k") != null && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertNull(c.get(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void multiGet(ClientKind kind) throws Exception {
        String p = prefix(kind);
        try (CacheClient c = connect(kind)) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                keys.add(p + i);
                if (i % 2 == 0) {
                    assertTrue(c.set(p + i, 0, bytes("value-" + i)));
                }
            }
            Map<String, byte[]> got = c.getMulti(keys);
            assertEquals(25, got.size(), got.keySet().toString());
            for (int i = 0; i < 50; i += 2) {
                assertArrayEquals(bytes("value-" + i), got.get(p + i));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void valueOfAMillionBytes(ClientKind kind) throws Exception {
        String p = prefix(kind);
        byte[] value = new byte[1_000_000];
        new Random(7).nextBytes(value);
        try (CacheClient c = connect(kind)) {
            assertTrue(c.set(p + "k", 0, value));
            assertArrayEquals(value, c.get(p + "k"));
            CacheClient.Versioned v = c.gets(p + "k");
            assertArrayEquals(value, v.value());
            assertTrue(c.cas(p + "k", v.cas(), 0, value));
        }
    }

    /** -I counts value bytes only (README, differences), so a value of exactly 1 MiB is accepted. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void valueOfExactly1MiB(ClientKind kind) throws Exception {
        String p = prefix(kind);
        byte[] value = new byte[1024 * 1024];
        new Random(8).nextBytes(value);
        try (CacheClient c = connect(kind)) {
            assertTrue(c.set(p + "k", 0, value));
            assertArrayEquals(value, c.get(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void valueOverTheLimitIsRefusedAndTheConnectionKeepsWorking(ClientKind kind) throws Exception {
        String p = prefix(kind);
        byte[] value = new byte[1536 * 1024];
        new Random(7).nextBytes(value);
        try (CacheClient c = connect(kind)) {
            assertTrue(c.set(p + "k", 0, bytes("before")));
            boolean stored;
            try {
                stored = c.set(p + "huge", 0, value);
            } catch (Exception refusedAsAnError) {
                stored = false;
            }
            assertFalse(stored);
            assertNull(c.get(p + "huge"));
            assertArrayEquals(bytes("before"), c.get(p + "k"));
            assertTrue(c.set(p + "k", 0, bytes("after")));
            assertArrayEquals(bytes("after"), c.get(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void manyValuesOfMixedSizes(ClientKind kind) throws Exception {
        String p = prefix(kind);
        Random random = new Random(9);
        List<byte[]> values = new ArrayList<>();
        try (CacheClient c = connect(kind)) {
            for (int i = 0; i < 200; i++) {
                byte[] v = new byte[random.nextInt(i % 10 == 0 ? 200_000 : 2_000)];
                random.nextBytes(v);
                values.add(v);
                assertTrue(c.set(p + i, 0, v));
            }
            for (int i = 0; i < 200; i++) {
                assertArrayEquals(values.get(i), c.get(p + i), "value " + i);
            }
        }
    }
}
