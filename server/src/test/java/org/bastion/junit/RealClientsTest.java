package org.bastion.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.spotify.folsom.AsciiMemcacheClient;
import com.spotify.folsom.MemcacheClientBuilder;
import com.spotify.folsom.MemcacheStatus;
import java.util.concurrent.TimeUnit;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.spy.memcached.AddrUtil;
import org.bastion.Bastion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The three Java clients against one server per class, the way Bastion's integration tests (and its users') are
 * meant to get a server: the extension in a static field, {@link BastionExtension#address()} for the client and
 * {@link BastionExtension#flush()} between tests.
 */
@TestMethodOrder(MethodOrderer.MethodName.class) // folsom's item exists when itemsFromEarlierTestsAreFlushed runs
class RealClientsTest {
    @RegisterExtension
    static final BastionExtension memcached = new BastionExtension();

    @BeforeEach
    void empty() {
        memcached.flush();
    }

    @Test
    void spymemcached() throws Exception {
        net.spy.memcached.MemcachedClient client =
                new net.spy.memcached.MemcachedClient(AddrUtil.getAddresses(memcached.address()));
        try {
            assertTrue(client.set("spy", 0, "value").get(10, TimeUnit.SECONDS));
            assertEquals("value", client.get("spy"));
            assertEquals(10, client.incr("n", 1, 10), "a missing counter starts at the default");
            assertEquals(11, client.incr("n", 1, 10));
            assertTrue(client.delete("spy").get(10, TimeUnit.SECONDS));
            assertNull(client.get("spy"));
        } finally {
            client.shutdown(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void xmemcached() throws Exception {
        MemcachedClient client = new XMemcachedClientBuilder(memcached.address()).build();
        try {
            assertTrue(client.set("x", 0, "value"));
            assertEquals("value", client.get("x"));
            assertTrue(client.add("fresh", 0, "1"));
            assertTrue(!client.add("fresh", 0, "2"), "add of an existing key is refused");
            assertTrue(client.delete("x"));
            assertNull(client.get("x"));
        } finally {
            client.shutdown();
        }
    }

    @Test
    void folsom(Bastion server) throws Exception {
        AsciiMemcacheClient<String> client = MemcacheClientBuilder.newStringClient()
                .withAddress(server.address().getHostString(), server.port())
                .connectAscii();
        try {
            client.awaitConnected(10, TimeUnit.SECONDS);
            assertEquals(MemcacheStatus.OK, client.set("folsom", "value", 0).toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertEquals("value", client.get("folsom").toCompletableFuture().get(10, TimeUnit.SECONDS));
        } finally {
            client.shutdown();
            client.awaitDisconnected(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void itemsFromEarlierTestsAreFlushed() throws Exception {
        net.spy.memcached.MemcachedClient client =
                new net.spy.memcached.MemcachedClient(AddrUtil.getAddresses(memcached.address()));
        try {
            assertNull(client.get("spy"));
            assertNull(client.get("fresh"));
            assertNull(client.get("folsom"));
        } finally {
            client.shutdown(10, TimeUnit.SECONDS);
        }
    }
}
