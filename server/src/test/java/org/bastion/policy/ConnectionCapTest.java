package org.bastion.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.bastion.transport.Server;
import org.bastion.testing.WireClient;
import org.bastion.testing.PolicyServers;

/** {@code -c} and {@code --max-conns-per-ip} under floods, from outside over loopback. Every loop is bounded. */
class ConnectionCapTest {
    private static final String TOO_MANY = "ERROR Too many open connections";
    private static final int FLOOD = 2000;
    private static final int FLOOD_THREADS = 4;
    private static final long FLOOD_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(90);

    /** Opens a connection and proves the server admitted it with one round trip. */
    private static WireClient admitted(int port, String source) throws IOException {
        WireClient c = WireClient.connect(port, source);
        String reply = c.call("version\r\n");
        if (reply == null || !reply.startsWith("VERSION ")) {
            c.close();
            fail("connection from " + source + " was not admitted: " + reply);
        }
        return c;
    }

    /** What a refused or denied client receives before the end of the connection ("" when nothing). */
    private static String refusal(int port, String source) throws IOException {
        try (WireClient c = WireClient.connect(port, source)) {
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            assertTrue(c.closedByPeer(received), "connection over the cap must be closed");
            return received.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /** {@code count} connection attempts from {@code source} on a few threads, each answered and closed. */
    private static List<String> flood(int port, String source, int count, WireClient bystander) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long deadline = System.nanoTime() + FLOOD_DEADLINE_NANOS;
        ExecutorService pool = Executors.newFixedThreadPool(FLOOD_THREADS);
        try {
            List<Future<List<String>>> parts = new ArrayList<>();
            for (int t = 0; t < FLOOD_THREADS; t++) {
                parts.add(pool.submit(() -> {
                    List<String> seen = new ArrayList<>();
                    while (next.getAndIncrement() < count && System.nanoTime() < deadline) {
                        seen.add(refusal(port, source));
                    }
                    return seen;
                }));
            }
            // While the flood runs, the client already admitted keeps being served.
            int rounds = 0;
            while (!parts.stream().allMatch(Future::isDone) && System.nanoTime() < deadline && rounds < 10_000) {
                String v = "v" + rounds++;
                assertEquals("STORED", bystander.call("set during 0 0 " + v.length() + "\r\n" + v + "\r\n"));
                assertEquals(v, bystander.get("during"));
            }
            List<String> all = new ArrayList<>();
            for (Future<List<String>> f : parts) {
                all.addAll(f.get(FLOOD_DEADLINE_NANOS, TimeUnit.NANOSECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void floodAgainstFullCapIsRefusedAndAdmittedClientsStayServed() throws Exception {
        int cap = 50;
        try (Server server = Server.start(PolicyServers.settings().maxConnections(cap).build())) {
            int port = server.port();
            WireClient good = admitted(port, WireClient.LOCAL);
            List<WireClient> holders = new ArrayList<>();
            try {
                for (int i = 1; i < cap; i++) {
                    holders.add(admitted(port, WireClient.LOCAL));
                }
                List<String> replies = flood(port, WireClient.LOCAL, FLOOD, good);
                assertEquals(FLOOD, replies.size(), "the flood ran out of time");
                for (String r : replies) {
                    assertEquals(TOO_MANY + "\r\n", r);
                }
                assertEquals(FLOOD, good.stat("rejected_connections"));
                assertEquals(cap, good.stat("curr_connections"));
                assertEquals("STORED", good.call("set after 0 0 2\r\nok\r\n"));

                // A freed slot is usable as soon as the server has seen the close.
                holders.remove(0).close();
                WireClient again = awaitAdmission(port, WireClient.LOCAL);
                holders.add(again);
                assertEquals("ok", again.get("after"));
                assertEquals(TOO_MANY + "\r\n", refusal(port, WireClient.LOCAL));
            } finally {
                for (WireClient h : holders) {
                    h.close();
                }
                good.close();
            }
        }
    }

    @Test
    void floodFromDeniedSourceNeitherTakesSlotsNorGetsAnswered() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().maxConnections(50).allow("127.0.0.1/32").build());
                WireClient good = admitted(server.port(), WireClient.LOCAL)) {
            List<String> replies = flood(server.port(), WireClient.OTHER_SOURCE, FLOOD, good);
            assertEquals(FLOOD, replies.size(), "the flood ran out of time");
            for (String r : replies) {
                assertEquals("", r, "a denied source is closed without a byte");
            }
            assertEquals(FLOOD, good.stat("denied_connections"));
            assertEquals(0, good.stat("rejected_connections"));
            // The denied flood held no slots: a full cap's worth of allowed clients still gets in.
            List<WireClient> more = new ArrayList<>();
            try {
                for (int i = 1; i < 50; i++) {
                    more.add(admitted(server.port(), WireClient.LOCAL));
                }
                assertEquals(TOO_MANY + "\r\n", refusal(server.port(), WireClient.LOCAL));
            } finally {
                for (WireClient c : more) {
                    c.close();
                }
            }
        }
    }

    @Test
    void perSourceCapRefusesOnlyThatSource() throws Exception {
        int perSource = 3;
        try (Server server = Server.start(PolicyServers.settings().maxConnectionsPerSource(perSource).build())) {
            int port = server.port();
            List<WireClient> first = new ArrayList<>();
            List<WireClient> second = new ArrayList<>();
            try {
                for (int i = 0; i < perSource; i++) {
                    first.add(admitted(port, WireClient.LOCAL));
                }
                assertEquals(TOO_MANY + "\r\n", refusal(port, WireClient.LOCAL));
                assertEquals(TOO_MANY + "\r\n", refusal(port, WireClient.LOCAL));
                // Another source is unaffected, up to its own cap.
                for (int i = 0; i < perSource; i++) {
                    second.add(admitted(port, WireClient.OTHER_SOURCE));
                }
                assertEquals(TOO_MANY + "\r\n", refusal(port, WireClient.OTHER_SOURCE));
                assertEquals(3, first.get(0).stat("rejected_connections"));
                assertEquals(2 * perSource, first.get(0).stat("curr_connections"));

                // Closing one of the first source's connections frees a slot for that source.
                first.remove(0).close();
                first.add(awaitAdmission(port, WireClient.LOCAL));
                assertEquals(TOO_MANY + "\r\n", refusal(port, WireClient.LOCAL));
            } finally {
                for (WireClient c : first) {
                    c.close();
                }
                for (WireClient c : second) {
                    c.close();
                }
            }
        }
    }

    /**
     * Connects until admitted: the slot of a client that just closed is free once the server has read its FIN,
     * which takes a moment. Bounded to 5 s.
     */
    private static WireClient awaitAdmission(int port, String source) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int attempts = 0;
        while (System.nanoTime() < deadline) {
            attempts++;
            WireClient c = WireClient.connect(port, source);
            c.send("version\r\n");
            String reply = c.readLine();
            if (reply != null && reply.startsWith("VERSION ")) {
                return c;
            }
            c.close();
            assertEquals(TOO_MANY, reply);
            Thread.sleep(10);
        }
        throw new AssertionError("no slot freed within 5 s after " + attempts + " attempts");
    }
}
