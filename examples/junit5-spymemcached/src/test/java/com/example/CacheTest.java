package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import net.spy.memcached.MemcachedClient;
import org.bastion.junit.BastionExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CacheTest {
    @RegisterExtension
    static final BastionExtension memcached = new BastionExtension();

    @Test
    void storesAndReads() throws Exception {
        MemcachedClient client = new MemcachedClient(new InetSocketAddress("127.0.0.1", memcached.port()));
        try {
            client.set("greeting", 0, "hello").get();
            assertEquals("hello", client.get("greeting"));
        } finally {
            client.shutdown();
        }
    }
}
