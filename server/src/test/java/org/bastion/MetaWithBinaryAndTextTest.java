package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastion.clients.CacheClient;
import org.bastion.clients.SpyClient;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Meta, binary (spymemcached) and text clients on one server at once see one store. */
class MetaWithBinaryAndTextTest {
    private Bastion server;

    @BeforeEach
    void start() {
        server = Bastion.builder().settings(s -> s.port(0).threads(2)).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Sends one meta command and reads its reply, which ends at the {@code MN} of a trailing {@code mn}. */
    private static String meta(WireClient c, String request) throws IOException {
        String s = c.call(request + "mn\r\n", "MN\r\n");
        return s.substring(0, s.length() - 4);
    }

    private static long cas(String reply) {
        Matcher m = Pattern.compile(" c(\\d+)").matcher(reply);
        assertTrue(m.find(), reply);
        return Long.parseLong(m.group(1));
    }

    @Test
    void valuesCasAndDeletesCrossAllThreeProtocols() throws Exception {
        try (CacheClient binary = new SpyClient(server.address(), true);
                CacheClient text = new SpyClient(server.address(), false);
                WireClient meta = WireClient.connect(server.port())) {
            assertTrue(binary.setText("k", "v1"));
            String got = meta(meta, "mg k v c\r\n");
            assertTrue(got.startsWith("VA 2 c") && got.endsWith("\r\nv1\r\n"), got);
            assertEquals(binary.casOf("k"), cas(got));
            assertEquals(text.casOf("k"), cas(got));

            String stored = meta(meta, "ms k 2 c C" + cas(got) + "\r\nv2\r\n");
            long next = cas(stored);
            assertEquals("v2", binary.getText("k"));
            assertEquals("v2", text.getText("k"));
            assertFalse(binary.casText("k", cas(got), "v3"));
            assertTrue(binary.casText("k", next, "v3"));
            assertEquals("EX\r\n", meta(meta, "ms k 1 C" + next + "\r\nx\r\n"));

            // A stale (invalidated) item is still served to the other protocols until it is recached.
            assertEquals("", meta(meta, "md k I q\r\n"));
            assertEquals("v3", binary.getText("k"));
            assertTrue(meta(meta, "mg k\r\n").contains(" X W"));
            assertTrue(text.delete("k"));
            assertEquals("EN\r\n", meta(meta, "mg k v\r\n"));
            assertNull(binary.getText("k"));
        }
    }

    @Test
    void countersFromAllThreeProtocolsAddUp() throws Exception {
        int perClient = 150;
        try (WireClient setup = WireClient.connect(server.port())) {
            assertEquals("HD\r\n", meta(setup, "ms n 1\r\n0\r\n"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> done = new ArrayList<>();
            done.add(pool.submit(() -> {
                try (WireClient meta = WireClient.connect(server.port())) {
                    for (int i = 0; i < perClient; i++) {
                        assertEquals("HD\r\n", meta(meta, "ma n\r\n"));
                    }
                }
                return null;
            }));
            for (boolean binaryProtocol : new boolean[] {true, false}) {
                done.add(pool.submit(() -> {
                    try (CacheClient client = new SpyClient(server.address(), binaryProtocol)) {
                        for (int i = 0; i < perClient; i++) {
                            assertTrue(client.incr("n", 1) > 0);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (WireClient check = WireClient.connect(server.port())) {
            assertEquals("VA 3\r\n" + (3 * perClient) + "\r\n", meta(check, "mg n v\r\n"));
        }
    }
}
