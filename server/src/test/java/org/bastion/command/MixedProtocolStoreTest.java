package org.bastion.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastion.config.Settings;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Text and meta clients on separate connections to one server see one store: values, flags, CAS and counters. */
class MixedProtocolStoreTest {
    private Server server;

    @BeforeEach
    void start() {
        server = Server.start(Settings.builder().port(0).build());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static long group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> regex + " in " + text);
        return Long.parseLong(m.group(1));
    }

    @Test
    void textAndMetaShareValuesFlagsAndCas() throws Exception {
        try (WireClient text = WireClient.connect(server.port()); WireClient meta = WireClient.connect(server.port())) {
            assertEquals("STORED\r\n", text.call("set k 42 0 5\r\nhello\r\n", "\r\n"));
            String gets = text.call("gets k\r\n", "END\r\n");
            long cas = group(gets, "VALUE k 42 5 (\\d+)");
            assertEquals("VA 5 f42 c" + cas + "\r\nhello\r\n", meta.call("mg k v f c\r\n", "hello\r\n"));

            // A meta CAS write with the CAS text saw, then text's cas with the CAS meta returned.
            String stored = meta.call("ms k 3 C" + cas + " F7 c\r\nnew\r\n", "\r\n");
            long next = group(stored, "HD c(\\d+)");
            assertEquals("VALUE k 7 3\r\nnew\r\nEND\r\n", text.call("get k\r\n", "END\r\n"));
            assertEquals("EXISTS\r\n", text.call("cas k 0 0 1 " + cas + "\r\nx\r\n", "\r\n"));
            assertEquals("STORED\r\n", text.call("cas k 0 0 1 " + next + "\r\nx\r\n", "\r\n"));

            // Deletes and invalidations cross over too.
            assertEquals("HD\r\n", meta.call("md k I\r\n", "\r\n"));
            assertEquals("VALUE k 0 1\r\nx\r\nEND\r\n", text.call("get k\r\n", "END\r\n"));
            assertEquals("HD X W\r\n", meta.call("mg k\r\n", "\r\n"));
            assertEquals("DELETED\r\n", text.call("delete k\r\n", "\r\n"));
            assertEquals("EN\r\n", meta.call("mg k v\r\n", "\r\n"));
            assertEquals("HD\r\n", meta.call("ms k 2 T100\r\nhi\r\n", "\r\n"));
            assertEquals("TOUCHED\r\n", text.call("touch k 0\r\n", "\r\n"));
            assertEquals("HD t-1\r\n", meta.call("mg k t\r\n", "\r\n"));
            assertEquals("HD\r\n", meta.call("md k\r\n", "\r\n"));
            assertEquals("END\r\n", text.call("get k\r\n", "END\r\n"));
        }
    }

    @Test
    void concurrentTextIncrAndMetaArithmeticAddUp() throws Exception {
        int clients = 4;
        int perClient = 250;
        try (WireClient setup = WireClient.connect(server.port())) {
            assertEquals("STORED\r\n", setup.call("set n 0 0 1\r\n0\r\n", "\r\n"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                boolean metaClient = c % 2 == 0;
                done.add(pool.submit(() -> {
                    try (WireClient client = WireClient.connect(server.port())) {
                        for (int i = 0; i < perClient; i++) {
                            if (metaClient) {
                                assertTrue(client.call("ma n D2\r\n", "\r\n").startsWith("HD"));
                            } else {
                                assertTrue(Character.isDigit(client.call("incr n 2\r\n", "\r\n").charAt(0)));
                            }
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
        long expected = 2L * clients * perClient;
        try (WireClient check = WireClient.connect(server.port())) {
            assertEquals("VA 4\r\n" + expected + "\r\n", check.call("mg n v\r\n", expected + "\r\n"));
            assertEquals("VALUE n 0 4\r\n" + expected + "\r\nEND\r\n", check.call("get n\r\n", "END\r\n"));
        }
    }
}
