package org.bastion.policy;

import static org.bastion.testing.BinaryFrames.OPAQUE;
import static org.bastion.testing.BinaryFrames.ascii;
import static org.bastion.testing.BinaryFrames.request;
import static org.bastion.testing.BinaryFrames.set;
import static org.bastion.testing.BinaryFrames.setExtras;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.util.concurrent.TimeUnit;
import org.bastion.testing.BinaryFrames.Response;
import org.bastion.testing.PolicyServers;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.Test;

/**
 * The request timeout over real sockets for binary connections applies exactly as it does to text (read-only
 * sources: {@link ReadOnlyWriteFormsTest}). Timeouts are 1 s and every wait is several times that, so the tests hold
 * under load.
 */
class BinaryPolicyTest {

    /** One statistic through the binary Stat command. */
    private static String stat(WireClient c, String name) throws IOException {
        c.send(request(0x10));
        String value = null;
        for (Response r = c.readResponse(); r.key().length != 0; r = c.readResponse()) {
            if (r.keyText().equals(name)) {
                value = r.valueText();
            }
        }
        return value;
    }

    @Test
    void slowDripOfABinaryRequestIsClosedByTheRequestTimeout() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().requestTimeoutSeconds(1).build());
                WireClient slow = WireClient.connect(server.port())) {
            byte[] packet = request(0x01, ascii("k"), setExtras(0, 0), new byte[1000], 0, OPAQUE);
            slow.timeoutMillis(200);
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(15);
            boolean closed = false;
            for (int i = 0; i < packet.length && System.nanoTime() < deadline && !closed; i++) {
                try {
                    slow.send(new byte[] {packet[i]});
                    closed = slow.closedByPeer();
                } catch (SocketException reset) {
                    closed = true;
                }
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(closed, "a binary request dripped a byte at a time was never closed");
            assertTrue(took >= 900, "closed before the timeout: " + took + " ms");
            try (WireClient other = WireClient.connect(server.port())) {
                assertEquals("1", stat(other, "request_timeouts"));
            }
        }
    }

    @Test
    void oversizedValueBeingDroppedCountsAsUnfinished() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().maxItemSize(1024).requestTimeoutSeconds(1).build());
                WireClient c = WireClient.connect(server.port())) {
            byte[] packet = request(0x01, ascii("k"), setExtras(0, 0), new byte[100_000], 0, OPAQUE);
            Response r = c.call(java.util.Arrays.copyOf(packet, 24 + 8 + 1 + 100));
            assertEquals(3, r.status());
            c.timeoutMillis(8000);
            assertTrue(c.closedByPeer(), "a dropped value that never ends must time out");
        }
    }

    @Test
    void idleBinaryConnectionWithNothingPendingIsNotClosedByTheRequestTimeout() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().requestTimeoutSeconds(1).build());
                WireClient c = WireClient.connect(server.port())) {
            assertEquals(0, c.call(set(0x01, "k", 0, 0, "x", 0)).status());
            c.timeoutMillis(3000);
            assertFalse(c.closedByPeer());
            assertEquals("x", c.call(request(0x00, "k")).valueText());
        }
    }
}
