package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastion.ClientAdapters.Client;
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

    /** A raw meta-protocol connection. */
    private static final class Meta implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Meta(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        /** Sends one command and reads its reply, which ends at the {@code MN} of a trailing {@code mn}. */
        String call(String request) throws IOException {
            out.write((request + "mn\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            while (!got.toString(StandardCharsets.ISO_8859_1).endsWith("MN\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                got.write(b);
            }
            String s = got.toString(StandardCharsets.ISO_8859_1);
            return s.substring(0, s.length() - 4);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static long cas(String reply) {
        Matcher m = Pattern.compile(" c(\\d+)").matcher(reply);
        assertTrue(m.find(), reply);
        return Long.parseLong(m.group(1));
    }

    @Test
    void valuesCasAndDeletesCrossAllThreeProtocols() throws Exception {
        try (Client binary = new ClientAdapters.Spy(server.address(), true);
                Client text = new ClientAdapters.Spy(server.address(), false);
                Meta meta = new Meta(server.port())) {
            assertTrue(binary.set("k", "v1", 0));
            String got = meta.call("mg k v c\r\n");
            assertTrue(got.startsWith("VA 2 c") && got.endsWith("\r\nv1\r\n"), got);
            assertEquals(binary.gets("k"), cas(got));
            assertEquals(text.gets("k"), cas(got));

            String stored = meta.call("ms k 2 c C" + cas(got) + "\r\nv2\r\n");
            long next = cas(stored);
            assertEquals("v2", binary.get("k"));
            assertEquals("v2", text.get("k"));
            assertFalse(binary.cas("k", "v3", cas(got)));
            assertTrue(binary.cas("k", "v3", next));
            assertEquals("EX\r\n", meta.call("ms k 1 C" + next + "\r\nx\r\n"));

            // A stale (invalidated) item is still served to the other protocols until it is recached.
            assertEquals("", meta.call("md k I q\r\n"));
            assertEquals("v3", binary.get("k"));
            assertTrue(meta.call("mg k\r\n").contains(" X W"));
            assertTrue(text.delete("k"));
            assertEquals("EN\r\n", meta.call("mg k v\r\n"));
            assertNull(binary.get("k"));
        }
    }

    @Test
    void countersFromAllThreeProtocolsAddUp() throws Exception {
        int perClient = 150;
        try (Meta setup = new Meta(server.port())) {
            assertEquals("HD\r\n", setup.call("ms n 1\r\n0\r\n"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> done = new ArrayList<>();
            done.add(pool.submit(() -> {
                try (Meta meta = new Meta(server.port())) {
                    for (int i = 0; i < perClient; i++) {
                        assertEquals("HD\r\n", meta.call("ma n\r\n"));
                    }
                }
                return null;
            }));
            for (boolean binaryProtocol : new boolean[] {true, false}) {
                done.add(pool.submit(() -> {
                    try (Client client = new ClientAdapters.Spy(server.address(), binaryProtocol)) {
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
        try (Meta check = new Meta(server.port())) {
            assertEquals("VA 3\r\n" + (3 * perClient) + "\r\n", check.call("mg n v\r\n"));
        }
    }
}
