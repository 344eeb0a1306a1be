package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.bastion.ClientAdapters.Client;
import org.bastion.config.Protocol;
import org.junit.jupiter.api.Test;
import org.bastion.testing.BinaryFramesAccess;

/** {@code -B ascii} and {@code -B binary} over real sockets: the pinned protocol is spoken whatever the first byte. */
class ProtocolPinningTest {

    @Test
    void binaryPinnedServesBinaryClientsAndDropsText() throws Exception {
        try (Bastion server = Bastion.builder().settings(s -> s.port(0).protocol(Protocol.BINARY)).start()) {
            try (Client c = new ClientAdapters.Spy(server.address(), true)) {
                assertTrue(c.set("k", "v", 0));
                assertEquals("v", c.get("k"));
            }
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                int first;
                try {
                    s.getOutputStream().write("version\r\n".repeat(8000).getBytes(StandardCharsets.US_ASCII));
                    first = s.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    // Closed with our bytes still unread, the server's kernel answers with a reset: closed too.
                    first = -1;
                }
                assertEquals(-1, first, "no reply, connection closed");
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
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(bytes);
            try {
                return s.getInputStream().read() == -1;
            } catch (java.net.SocketTimeoutException open) {
                return false;
            } catch (java.net.SocketException reset) {
                return true;
            }
        }
    }

    @Test
    void asciiPinnedReadsBinaryBytesAsText() throws Exception {
        try (Bastion server = Bastion.builder().settings(s -> s.port(0).protocol(Protocol.ASCII)).start()) {
            try (Client c = new ClientAdapters.Spy(server.address(), false)) {
                assertTrue(c.set("k", "v", 0));
                assertEquals("v", c.get("k"));
            }
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                // A binary Noop: its opcode byte is '\n', so memcached -B ascii (and Bastion) answer the line ERROR.
                s.getOutputStream().write(BinaryFramesAccess.request(0x0a, "", new byte[0]));
                s.getOutputStream().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                String reply = new String(in.readNBytes(7), StandardCharsets.US_ASCII);
                assertEquals("ERROR\r\n", reply);
            }
        }
    }

    @Test
    void autoDetectsPerConnection() throws Exception {
        try (Bastion server = Bastion.builder().settings(s -> s.port(0)).start();
                Client binary = new ClientAdapters.Spy(server.address(), true);
                Client text = new ClientAdapters.Spy(server.address(), false)) {
            assertTrue(binary.set("k", "v", 0));
            assertEquals("v", text.get("k"));
        }
    }
}
