package org.bastion.clients;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastion.Bastion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a client library's users do, against a Bastion started on port 0. Each subclass supplies one client (library
 * and protocol) through {@link #connect}; a binary-protocol run is another subclass with another adapter.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClientScenario {
    private static final AtomicInteger KEYS = new AtomicInteger();

    private Bastion server;
    private CacheClient client;

    /** A connected client for the server at this address. */
    abstract CacheClient connect(InetSocketAddress address) throws Exception;

    /** The server under test; subclasses may pin settings (for example the protocol). */
    Bastion startServer() {
        return Bastion.builder().settings(s -> s.port(0)).start();
    }

    @BeforeAll
    void startServerAndClient() throws Exception {
        server = startServer();
        client = connect(new InetSocketAddress("127.0.0.1", server.port()));
    }

    @AfterAll
    void stopClientAndServer() throws Exception {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** One server per class, so every test works under keys of its own. */
    private String key;

    @BeforeEach
    void freshKey() {
        key = getClass().getSimpleName() + "-" + KEYS.incrementAndGet();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void setThenGet() throws Exception {
        assertTrue(client.set(key, 0, bytes("hello")));
        assertArrayEquals(bytes("hello"), client.get(key));
        assertTrue(client.set(key, 0, bytes("again")));
        assertArrayEquals(bytes("again"), client.get(key));
        assertNull(client.get(key + "-missing"));
    }

    @Test
    void emptyValue() throws Exception {
        assertTrue(client.set(key, 0, new byte[0]));
        assertArrayEquals(new byte[0], client.get(key));
    }

    @Test
    void addOnlyWhenMissing() throws Exception {
        assertTrue(client.add(key, 0, bytes("first")));
        assertFalse(client.add(key, 0, bytes("second")));
        assertArrayEquals(bytes("first"), client.get(key));
    }

    @Test
    void replaceOnlyWhenPresent() throws Exception {
        assertFalse(client.replace(key, 0, bytes("x")));
        assertNull(client.get(key));
        client.set(key, 0, bytes("old"));
        assertTrue(client.replace(key, 0, bytes("new")));
        assertArrayEquals(bytes("new"), client.get(key));
    }

    @Test
    void appendAndPrepend() throws Exception {
        assertFalse(client.append(key, bytes("x")));
        client.set(key, 0, bytes("middle"));
        assertTrue(client.append(key, bytes("-end")));
        assertTrue(client.prepend(key, bytes("start-")));
        assertArrayEquals(bytes("start-middle-end"), client.get(key));
    }

    @Test
    void getsThenCas() throws Exception {
        assertNull(client.gets(key));
        client.set(key, 0, bytes("v1"));
        CacheClient.Versioned v1 = client.gets(key);
        assertNotNull(v1);
        assertArrayEquals(bytes("v1"), v1.value());
        assertTrue(client.cas(key, v1.cas(), 0, bytes("v2")));
        assertArrayEquals(bytes("v2"), client.get(key));
        assertFalse(client.cas(key, v1.cas(), 0, bytes("v3")), "a stale CAS must not store");
        CacheClient.Versioned v2 = client.gets(key);
        assertTrue(v2.cas() != v1.cas());
        assertArrayEquals(bytes("v2"), v2.value());
        assertFalse(client.cas(key + "-missing", v2.cas(), 0, bytes("x")));
    }

    @Test
    void delete() throws Exception {
        client.set(key, 0, bytes("x"));
        assertTrue(client.delete(key));
        assertNull(client.get(key));
        assertFalse(client.delete(key));
    }

    @Test
    void incrAndDecr() throws Exception {
        client.set(key, 0, bytes("10"));
        assertEquals(15, client.incr(key, 5));
        assertEquals(12, client.decr(key, 3));
        assertEquals(0, client.decr(key, 100), "decr stops at zero");
        assertEquals(1_000_000_000_000L, client.incr(key, 1_000_000_000_000L));
        assertArrayEquals(bytes("1000000000000"), client.get(key));
    }

    @Test
    void touch() throws Exception {
        assertFalse(client.touch(key, 100));
        client.set(key, 0, bytes("x"));
        assertTrue(client.touch(key, 100));
        assertArrayEquals(bytes("x"), client.get(key));
    }

    @Test
    void multiGet() throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            keys.add(key + "-" + i);
            if (i % 2 == 0) {
                client.set(key + "-" + i, 0, bytes("value-" + i));
            }
        }
        Map<String, byte[]> got = client.getMulti(keys);
        assertEquals(25, got.size(), got.keySet().toString());
        for (int i = 0; i < 50; i += 2) {
            assertArrayEquals(bytes("value-" + i), got.get(key + "-" + i));
        }
    }

    @Test
    void valueOfAMillionBytes() throws Exception {
        byte[] value = new byte[1_000_000];
        new Random(7).nextBytes(value);
        assertTrue(client.set(key, 0, value));
        assertArrayEquals(value, client.get(key));
        CacheClient.Versioned v = client.gets(key);
        assertArrayEquals(value, v.value());
        assertTrue(client.cas(key, v.cas(), 0, value));
    }

    /** -I counts value bytes only (README, differences), so a value of exactly 1 MiB is accepted. */
    @Test
    void valueOfExactly1MiB() throws Exception {
        byte[] value = new byte[1024 * 1024];
        new Random(8).nextBytes(value);
        assertTrue(client.set(key, 0, value));
        assertArrayEquals(value, client.get(key));
    }

    @Test
    void manyValuesOfMixedSizes() throws Exception {
        Random random = new Random(9);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] v = new byte[random.nextInt(i % 10 == 0 ? 200_000 : 2_000)];
            random.nextBytes(v);
            values.add(v);
            assertTrue(client.set(key + "-" + i, 0, v));
        }
        for (int i = 0; i < 200; i++) {
            assertArrayEquals(values.get(i), client.get(key + "-" + i), "value " + i);
        }
    }
}
