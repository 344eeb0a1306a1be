package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import org.bastion.ClientAdapters.Client;
import org.bastion.config.Protocol;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;

/** {@code -B ascii} and {@code -B binary} over real sockets: the pinned protocol is spoken whatever the first byte. */
class ProtocolPinningTest {

    @Test
    void binaryPinnedServesBinaryClientsAndDropsText() throws Exception {
        try (Bastion server = Bastion.builder().port(0).protocol(Protocol.BINARY).start()) {
            try (Client c = new ClientAdapters.Spy(server.address(), true)) {
                assertTrue(c.set("k", "v", 0));
                assertEquals("v", c.get("k"));
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
        try (Bastion server = Bastion.builder().port(0).protocol(Protocol.ASCII).start()) {
            try (Client c = new ClientAdapters.Spy(server.address(), false)) {
                assertTrue(c.set("k", "v", 0));
                assertEquals("v", c.get("k"));
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
        try (Bastion server = Bastion.builder().port(0).start();
                Client binary = new ClientAdapters.Spy(server.address(), true);
                Client text = new ClientAdapters.Spy(server.address(), false)) {
            assertTrue(binary.set("k", "v", 0));
            assertEquals("v", text.get("k"));
        }
    }
}
