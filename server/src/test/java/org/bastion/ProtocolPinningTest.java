package org.bastion;

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
