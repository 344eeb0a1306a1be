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
import org.bastion.ClientAdapters.Client;
import org.bastion.junit.BastionExtension;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Text and binary clients on one server at the same time see one store: one CAS sequence, one counter, one delete. */
class MixedProtocolsTest {
    @RegisterExtension
    final BastionExtension memcached = new BastionExtension(Bastion.builder().threads(2));

    private Client text() {
        return new ClientAdapters.Spy(memcached.server().address(), false);
    }

    private Client binary() {
        return new ClientAdapters.Xmemcached(memcached.server().address(), true);
    }

    @Test
    void writesThroughOneProtocolAreSeenThroughTheOther() throws Exception {
        try (Client text = text(); Client binary = binary()) {
            assertTrue(binary.set("k", "from-binary", 0));
            assertEquals("from-binary", text.get("k"));
            assertTrue(text.append("k", "+text"));
            assertEquals("from-binary+text", binary.get("k"));

            Long cas = text.gets("k");
            assertNotNull(cas);
            assertEquals(cas, binary.gets("k"), "one CAS sequence for both protocols");
            assertTrue(binary.cas("k", "swapped", cas));
            assertFalse(text.cas("k", "stale", cas));
            assertEquals("swapped", text.get("k"));

            assertTrue(text.delete("k"));
            assertNull(binary.get("k"));
            assertTrue(binary.add("k", "re-added"));
            assertFalse(text.add("k", "no"));
        }
    }

    @Test
    void concurrentIncrementsFromBothProtocolsAreAllCounted() throws Exception {
        int perThread = 300;
        int threadsPerProtocol = 3;
        try (Client setup = text()) {
            assertTrue(setup.set("counter", "0", 0));
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
        try (Client text = text(); Client binary = binary()) {
            assertEquals(String.valueOf(expected), text.get("counter").trim());
            assertEquals(String.valueOf(expected), binary.get("counter").trim());
        }
    }

    private Void increments(java.util.function.Supplier<Client> connect, int n) throws Exception {
        try (Client c = connect.get()) {
            for (int i = 0; i < n; i++) {
                c.incr("counter", 1);
            }
        }
        return null;
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
