package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import net.spy.memcached.AddrUtil;
import net.spy.memcached.MemcachedClient;
import org.bastion.Bastion;
import org.bastion.junit.BastionExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension on JUnit Jupiter 5: a configured server per test, injected as a parameter. */
class PerTestServerTest {
    @RegisterExtension
    final BastionExtension memcached = new BastionExtension(Bastion.builder().settings(s -> s.memoryLimitMegabytes(8)));

    private MemcachedClient client;

    @BeforeEach
    void connect() throws Exception {
        client = new MemcachedClient(AddrUtil.getAddresses(memcached.address()));
    }

    @AfterEach
    void disconnect() {
        client.shutdown();
    }

    @Test
    void storesInItsOwnServer(Bastion server) throws Exception {
        assertSame(memcached.server(), server);
        assertEquals(8L << 20, server.settings().memoryLimitBytes());
        assertNull(client.get("counter"), "every test starts with an empty server");
        client.set("counter", 0, "1").get();
        assertEquals("1", client.get("counter"));
    }

    @Test
    void flushDropsItems() throws Exception {
        assertNull(client.get("counter"), "every test starts with an empty server");
        client.set("counter", 0, "2").get();
        memcached.flush();
        assertNull(client.get("counter"));
    }
}
