package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bastion.clients.CacheClient;
import org.bastion.clients.SpyClient;
import org.bastion.clients.XmemcachedClient;
import org.bastion.junit.BastionExtension;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Text and binary clients on one server at the same time see one store: one CAS sequence, one counter, one delete. */
class MixedProtocolsTest {
    @RegisterExtension
    final BastionExtension memcached = new BastionExtension(Bastion.builder().settings(s -> s.threads(2)));

    private CacheClient text() throws Exception {
        return new SpyClient(memcached.server().address(), false);
    }

    private CacheClient binary() throws Exception {
        return new XmemcachedClient(memcached.server().address(), true);
    }

    @Test
    void writesThroughOneProtocolAreSeenThroughTheOther() throws Exception {
        try (CacheClient text = text(); CacheClient binary = binary()) {
            assertTrue(binary.setText("k", "from-binary"));
            assertEquals("from-binary", text.getText("k"));
            assertTrue(text.appendText("k", "+text"));
            assertEquals("from-binary+text", binary.getText("k"));

            Long cas = text.casOf("k");
            assertNotNull(cas);
            assertEquals(cas, binary.casOf("k"), "one CAS sequence for both protocols");
            assertTrue(binary.casText("k", cas, "swapped"));
            assertFalse(text.casText("k", cas, "stale"));
            assertEquals("swapped", text.getText("k"));

            assertTrue(text.delete("k"));
            assertNull(binary.getText("k"));
            assertTrue(binary.addText("k", "re-added"));
            assertFalse(text.addText("k", "no"));
        }
    }

    @Test
    void concurrentIncrementsFromBothProtocolsAreAllCounted() throws Exception {
        int perThread = 300;
        int threadsPerProtocol = 3;
        try (CacheClient setup = text()) {
            assertTrue(setup.setText("counter", "0"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threadsPerProtocol * 3);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < threadsPerProtocol; t++) {
                running.add(pool.submit(() -> increments(this::text, perThread)));
                running.add(pool.submit(() -> increments(this::binary, perThread)));
                running.add(pool.submit(() -> rawBinaryIncrements(perThread)));
            }
            for (Future<?> f : running) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long expected = (long) perThread * threadsPerProtocol * 3;
        try (CacheClient text = text(); CacheClient binary = binary()) {
            assertEquals(String.valueOf(expected), text.getText("counter").trim());
            assertEquals(String.valueOf(expected), binary.getText("counter").trim());
        }
    }

    private Void increments(Connector connect, int n) throws Exception {
        try (CacheClient c = connect.get()) {
            for (int i = 0; i < n; i++) {
                c.incr("counter", 1);
            }
        }
        return null;
    }

    private interface Connector {
        CacheClient get() throws Exception;
    }

    /** Pipelined IncrementQ packets ended by a Noop, on a plain socket: quiet replies, one answer per batch. */
    private Void rawBinaryIncrements(int n) throws Exception {
        try (WireClient c = WireClient.connect(memcached.port()).timeoutMillis(30_000)) {
            byte[] incrq = BinaryFrames.request(0x15, "counter", BinaryFrames.incrExtras(1, 0, -1), new byte[0]);
            byte[] noop = BinaryFrames.request(0x0a);
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < n; i++) {
                batch.writeBytes(incrq);
            }
            batch.writeBytes(noop);
            c.send(batch.toByteArray());
            byte[] reply = c.readAtMost(24);
            assertEquals(24, reply.length);
            assertEquals((byte) 0x81, reply[0]);
            assertEquals((byte) 0x0a, reply[1], "only the noop answers: every quiet increment succeeded");
        }
        return null;
    }

    @Test
    void textAndBinaryOnTheSameServerAnswerTheirOwnProtocol() throws Exception {
        try (WireClient text = WireClient.connect(memcached.port());
                WireClient binary = WireClient.connect(memcached.port())) {
            text.send("version\r\n");
            binary.send(BinaryFrames.request(0x0b));
            assertEquals("VERSION 1.6.18\r\n", WireClient.ascii(text.readAtMost(16)));
            byte[] reply = binary.readAtMost(30);
            assertEquals((byte) 0x81, reply[0]);
            assertEquals("1.6.18", new String(reply, 24, 6, StandardCharsets.US_ASCII));
        }
    }
}
