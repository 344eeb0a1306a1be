package org.bastion.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.bastion.transport.Server;
import org.bastion.testing.WireClient;
import org.bastion.testing.PolicyServers;

/**
 * Slow and abusive clients: {@code --request-timeout}, {@code -o idle_timeout} and over-long lines. Timeouts here are
 * 1 s and every wait is several times that, so the tests hold on a loaded machine.
 */
class SlowClientTest {
    /** Sends one byte at a time every {@code gapMillis} until the server closes; true when it did within the limit. */
    private static boolean dripUntilClosed(WireClient c, String text, long gapMillis, long limitMillis)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limitMillis);
        c.timeoutMillis((int) gapMillis);
        int i = 0;
        while (System.nanoTime() < deadline) {
            try {
                c.send(text.substring(i % text.length(), i % text.length() + 1));
            } catch (IOException reset) {
                return true;
            }
            i++;
            if (c.closedByPeer()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void slowDripOfAValueIsClosedByTheRequestTimeout() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().requestTimeoutSeconds(1).build());
                WireClient slow = WireClient.connect(server.port());
                WireClient other = WireClient.connect(server.port())) {
            slow.send("set k 0 0 1000\r\n");
            // A byte every 200 ms keeps the socket busy, but the request never completes: closed though never idle.
            long start = System.nanoTime();
            assertTrue(dripUntilClosed(slow, "abcdefghij", 200, 15_000), "slow-drip value was never closed");
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.println("slow-drip value closed " + took + " ms after its first byte");
            assertTrue(took >= 900, "closed before the timeout: " + took + " ms");
            assertEquals(null, other.get("k"));
            assertEquals(1, other.stat("request_timeouts"));
            assertEquals(0, other.stat("idle_kicks"));
        }
    }

    @Test
    void slowDripOfACommandLineIsClosedByTheRequestTimeout() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().requestTimeoutSeconds(1).build());
                WireClient slow = WireClient.connect(server.port())) {
            assertTrue(dripUntilClosed(slow, "get aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 200, 15_000));
        }
    }

    @Test
    void valueBeingSwallowedCountsAsUnfinished() throws Exception {
        // A value over -I is answered at once and its bytes discarded as they come: still an unfinished request.
        try (Server server = Server.start(PolicyServers.settings().maxItemSize(1024).requestTimeoutSeconds(1).build());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals("SERVER_ERROR object too large for cache", c.call("set k 0 0 100000\r\n" + "x".repeat(100)));
            c.timeoutMillis(8000);
            assertTrue(c.closedByPeer(), "a swallowed value that never ends must time out");
        }
    }

    @Test
    void idleConnectionWithNothingPendingIsNotClosedByTheRequestTimeout() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().requestTimeoutSeconds(1).build());
                WireClient quiet = WireClient.connect(server.port())) {
            assertEquals("STORED", quiet.call("set k 0 0 1\r\nx\r\n"));
            quiet.timeoutMillis(3000);
            assertFalse(quiet.closedByPeer(), "a connection with no partial request was closed");
            assertEquals("x", quiet.get("k"));
            assertEquals(0, quiet.stat("request_timeouts"));
        }
    }

    @Test
    void steadyPipelineIsNotMistakenForASlowRequest() throws Exception {
        // Each write ends mid-command, so there is always a partial request, but requests keep completing.
        // 2 s timeout against a request every ~100 ms: only a 2 s stall of this JVM could fail it.
        try (Server server = Server.start(PolicyServers.settings().requestTimeoutSeconds(2).build());
                WireClient busy = WireClient.connect(server.port())) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5000);
            int n = 0;
            busy.send("set k 0 0 1\r\n");
            while (System.nanoTime() < end && n < 1000) {
                busy.send("x\r\nset k 0 0 1\r\n");
                assertEquals("STORED", busy.readLine());
                n++;
                Thread.sleep(100);
            }
            busy.send("y\r\n");
            assertEquals("STORED", busy.readLine());
            assertEquals("y", busy.get("k"));
        }
    }

    @Test
    void idleTimeoutClosesQuietConnectionsAndSparesActiveOnes() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().idleTimeoutSeconds(2).build());
                WireClient quiet = WireClient.connect(server.port());
                WireClient active = WireClient.connect(server.port())) {
            assertTrue(quiet.call("version\r\n").startsWith("VERSION "));
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4500);
            while (System.nanoTime() < end) {
                assertTrue(active.call("version\r\n").startsWith("VERSION "), "active connection was closed");
                Thread.sleep(200);
            }
            quiet.timeoutMillis(8000);
            assertTrue(quiet.closedByPeer(), "idle connection was not closed");
            assertTrue(active.call("version\r\n").startsWith("VERSION "));
            assertEquals(1, active.stat("idle_kicks"));
        }
    }

    @Test
    void longLineWithoutNewlineClosesTheConnection() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().build());
                WireClient c = WireClient.connect(server.port())) {
            try {
                c.send("set " + "k".repeat(3000));
            } catch (IOException reset) {
                // closed while we were still sending: as good
            }
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void longGetLineIsServed() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().build());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals("STORED", c.call("set k1 0 0 1\r\na\r\n"));
            StringBuilder line = new StringBuilder("get");
            for (int i = 0; i < 400; i++) {
                line.append(" missing-key-").append(i);
            }
            line.append(" k1\r\n");
            assertTrue(line.length() > 4096);
            c.send(line.toString());
            assertEquals("VALUE k1 0 1", c.readLine());
            assertEquals("a", c.readLine());
            assertEquals("END", c.readLine());
        }
    }

    @Test
    void lineJustUnderTheLimitIsAnsweredNotClosed() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().build());
                WireClient c = WireClient.connect(server.port())) {
            c.send("x".repeat(2000));
            Thread.sleep(200);
            assertEquals("ERROR", c.call("\r\n"));
            assertTrue(c.call("version\r\n").startsWith("VERSION "));
        }
    }
}
