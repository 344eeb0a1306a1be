package org.bastion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.bastion.ClientAdapters.Client;
import org.bastion.ClientAdapters.Connector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The client scenarios (get/set/add/replace/append/prepend/cas/gets/delete/incr/decr/touch/multi-get/~1 MB values)
 * with spymemcached ({@code BinaryConnectionFactory}), xmemcached ({@code BinaryCommandFactory}) and folsom in binary
 * mode, and the same scenarios in text mode, so any difference between the protocols shows up side by side.
 */
class BinaryClientScenariosTest {
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

    static Stream<Connector> clients() {
        return Stream.concat(ClientAdapters.binary().stream(), ClientAdapters.text().stream());
    }

    static Stream<Connector> binaryClients() {
        return ClientAdapters.binary().stream();
    }

    /** A key prefix no other run uses, so scenarios never see each other's data. */
    private static String prefix(Connector c) {
        return c.name().replace(' ', '-') + "-" + RUN.incrementAndGet() + "-";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void setAndGet(Connector connector) throws Exception {
        String p = prefix(connector);
        try (Client c = connector.connect().apply(server.address())) {
            assertTrue(c.set(p + "k", "hello", 0));
            assertEquals("hello", c.get(p + "k"));
            assertNull(c.get(p + "missing"));
            assertTrue(c.set(p + "k", "again", 0));
            assertEquals("again", c.get(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void addAndReplace(Connector connector) throws Exception {
        String p = prefix(connector);
        try (Client c = connector.connect().apply(server.address())) {
            assertFalse(c.replace(p + "k", "r"));
            assertNull(c.get(p + "k"));
            assertTrue(c.add(p + "k", "a"));
            assertFalse(c.add(p + "k", "b"));
            assertEquals("a", c.get(p + "k"));
            assertTrue(c.replace(p + "k", "r"));
            assertEquals("r", c.get(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void appendAndPrepend(Connector connector) throws Exception {
        String p = prefix(connector);
        try (Client c = connector.connect().apply(server.address())) {
            assertFalse(c.append(p + "k", "x"));
            assertFalse(c.prepend(p + "k", "x"));
            assertTrue(c.set(p + "k", "b", 0));
            assertTrue(c.append(p + "k", "c"));
            assertTrue(c.prepend(p + "k", "a"));
            assertEquals("abc", c.get(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void getsAndCas(Connector connector) throws Exception {
        String p = prefix(connector);
        try (Client c = connector.connect().apply(server.address())) {
            assertNull(c.gets(p + "k"));
            assertTrue(c.set(p + "k", "v1", 0));
            Long cas = c.gets(p + "k");
            assertNotNull(cas);
            assertTrue(c.cas(p + "k", "v2", cas));
            assertFalse(c.cas(p + "k", "v3", cas), "a stale CAS is refused");
            assertEquals("v2", c.get(p + "k"));
            Long next = c.gets(p + "k");
            assertNotEquals(cas, next);
            assertFalse(c.cas(p + "missing", "v", cas));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void delete(Connector connector) throws Exception {
        String p = prefix(connector);
        try (Client c = connector.connect().apply(server.address())) {
            assertTrue(c.set(p + "k", "v", 0));
            assertTrue(c.delete(p + "k"));
            assertNull(c.get(p + "k"));
            assertFalse(c.delete(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void incrementAndDecrement(Connector connector) throws Exception {
        String p = prefix(connector);
        try (Client c = connector.connect().apply(server.address())) {
            assertTrue(c.set(p + "n", "10", 0));
            assertEquals(15, c.incr(p + "n", 5));
            assertEquals(0, c.decr(p + "n", 20), "decr stops at zero");
            assertEquals(7, c.incr(p + "n", 7));
            assertEquals("7 ", c.get(p + "n"), "memcached keeps the longer length, padded with a space");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void touch(Connector connector) throws Exception {
        String p = prefix(connector);
        try (Client c = connector.connect().apply(server.address())) {
            assertTrue(c.set(p + "k", "v", 0));
            assertTrue(c.touch(p + "k", 3600));
            assertEquals("v", c.get(p + "k"));
            assertFalse(c.touch(p + "missing", 3600));
            // A 1-second TTL: the item goes within a few seconds (bounded wait; folsom rewrites absolute times).
            assertTrue(c.touch(p + "k", 1));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
            while (c.get(p + "k") != null && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertNull(c.get(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void multiGet(Connector connector) throws Exception {
        String p = prefix(connector);
        try (Client c = connector.connect().apply(server.address())) {
            List<String> keys = ClientAdapters.keys(p, 40);
            for (int i = 0; i < keys.size(); i += 2) {
                assertTrue(c.set(keys.get(i), "v" + i, 0));
            }
            Map<String, String> got = c.getMulti(keys);
            assertEquals(20, got.size());
            for (int i = 0; i < keys.size(); i += 2) {
                assertEquals("v" + i, got.get(keys.get(i)));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void nearlyOneMegabyteValue(Connector connector) throws Exception {
        String p = prefix(connector);
        byte[] value = new byte[1000 * 1000];
        new Random(42).nextBytes(value); // incompressible: clients that compress send it whole
        try (Client c = connector.connect().apply(server.address())) {
            assertTrue(c.setBytes(p + "big", value));
            assertArrayEquals(value, c.getBytes(p + "big"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void valueOverTheLimitIsRefusedAndTheConnectionKeepsWorking(Connector connector) throws Exception {
        String p = prefix(connector);
        byte[] value = new byte[1536 * 1024];
        new Random(7).nextBytes(value);
        try (Client c = connector.connect().apply(server.address())) {
            assertTrue(c.set(p + "k", "before", 0));
            boolean stored;
            try {
                stored = c.setBytes(p + "huge", value);
            } catch (Exception refusedAsAnError) {
                stored = false;
            }
            assertFalse(stored);
            assertNull(c.getBytes(p + "huge"));
            assertEquals("before", c.get(p + "k"));
            assertTrue(c.set(p + "k", "after", 0));
            assertEquals("after", c.get(p + "k"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryClients")
    void binaryIncrementCreatesAMissingCounterWithItsInitialValue(Connector connector) throws Exception {
        String p = prefix(connector);
        try (Client c = connector.connect().apply(server.address())) {
            assertEquals(100, c.incrOrCreate(p + "n", 5, 100));
            assertEquals(105, c.incrOrCreate(p + "n", 5, 100));
            assertEquals("105", c.get(p + "n"));
        }
    }
}
