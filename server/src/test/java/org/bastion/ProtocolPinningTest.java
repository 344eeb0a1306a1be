package org.bastion;

import java.nio.charset.StandardCharsets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import org.bastion.clients.CacheClient;
import org.bastion.clients.SpyClient;
import org.bastion.config.Protocol;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;

/** {@code -B ascii} and {@code -B binary} over real sockets: the pinned protocol is spoken whatever the first byte. */
class ProtocolPinningTest {

    @Test
    void binaryPinnedServesBinaryClientsAndDropsText() throws Exception {
        try (Bastion server = Bastion.builder().settings(s -> s.port(0).protocol(Protocol.BINARY)).start()) {
            try (CacheClient c = new SpyClient(server.address(), true)) {
                assertTrue(c.setText("k", "v"));
                assertEquals("v", c.getText("k"));
            }
            try (WireClient c = WireClient.connect(server.port())) {
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                boolean closed;
                try {
                    c.send("version\r\n".repeat(8000));
                    closed = c.closedByPeer(received);
                } catch (java.net.SocketException reset) {
                    // Closed with our bytes still unread, the server's kernel answers with a reset: closed too.
                    closed = true;
                }
                assertEquals(0, received.size(), "no reply");
                assertTrue(closed, "connection closed");
            }
        }
    }

    /**
     * Issue 15 item 13, memcached's own {@code t/issue_50.t}: under {@code -B binary} a connection whose first bytes are
     * not a binary request is closed at once (memcached 1.6.18 does the same with these bytes), not left waiting.
     */
    @Test
    void binaryPinnedClosesOnGarbageAtOnce() throws Exception {
        byte[] garbage = "Here's a bunch of garbage that doesn't look like the bin prot.".getBytes(StandardCharsets.US_ASCII);
        try (Bastion server = Bastion.builder().settings(s -> s.port(0).protocol(Protocol.BINARY)).start();
                org.bastion.testing.MemcachedProcess memcached = org.bastion.testing.MemcachedProcess.start("-B",
                        "binary")) {
            assertTrue(closesAfter(memcached.port(), garbage), "memcached closes");
            assertTrue(closesAfter(server.port(), garbage), "bastion closes");
            // One byte is enough for Bastion to know (memcached would wait for a 24-byte header).
            assertTrue(closesAfter(server.port(), new byte[] {'x'}));
        }
    }

    /** Whether the peer closes the connection after these bytes, with no reply, within the socket timeout. */
    private static boolean closesAfter(int port, byte[] bytes) throws Exception {
        try (org.bastion.testing.WireClient c = org.bastion.testing.WireClient.connect(port).timeoutMillis(5_000)) {
            c.send(bytes);
            java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
            return c.closedByPeer(received) && received.size() == 0;
        }
    }

    @Test
    void asciiPinnedReadsBinaryBytesAsText() throws Exception {
        try (Bastion server = Bastion.builder().settings(s -> s.port(0).protocol(Protocol.ASCII)).start()) {
            try (CacheClient c = new SpyClient(server.address(), false)) {
                assertTrue(c.setText("k", "v"));
                assertEquals("v", c.getText("k"));
            }
            try (WireClient c = WireClient.connect(server.port())) {
                // A binary Noop: its opcode byte is '\n', so memcached -B ascii (and Bastion) answer the line ERROR.
                c.send(BinaryFrames.request(0x0a));
                c.send("version\r\n");
                assertEquals("ERROR\r\n", WireClient.ascii(c.readAtMost(7)));
            }
        }
    }

    @Test
    void autoDetectsPerConnection() throws Exception {
        try (Bastion server = Bastion.builder().settings(s -> s.port(0)).start();
                CacheClient binary = new SpyClient(server.address(), true);
                CacheClient text = new SpyClient(server.address(), false)) {
            assertTrue(binary.setText("k", "v"));
            assertEquals("v", text.getText("k"));
        }
    }
}
