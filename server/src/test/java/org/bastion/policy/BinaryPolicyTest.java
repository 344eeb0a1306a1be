package org.bastion.policy;

import org.bastion.testing.BinaryFrames.Response;
import static org.bastion.testing.BinaryFrames.OPAQUE;
import static org.bastion.testing.BinaryFrames.ascii;
import static org.bastion.testing.BinaryFrames.incrExtras;
import static org.bastion.testing.BinaryFrames.int32;
import static org.bastion.testing.BinaryFrames.request;
import static org.bastion.testing.BinaryFrames.set;
import static org.bastion.testing.BinaryFrames.setExtras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.bastion.transport.Server;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.PolicyServers;

/**
 * The hardening policies over real sockets for binary connections: read-only sources and the request timeout apply
 * exactly as they do to text. Timeouts are 1 s and every wait is several times that, so the tests hold under load.
 */
class BinaryPolicyTest {

    private static Socket connect(int port, String source) throws IOException {
        Socket s = new Socket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        return s;
    }

    /** Sends one request and reads exactly one response. */
    private static Response call(Socket s, byte[] request) throws IOException {
        s.getOutputStream().write(request);
        return readOne(s);
    }

    /** One statistic through the binary Stat command. */
    private static String stat(Socket s, String name) throws IOException {
        s.getOutputStream().write(request(0x10));
        while (true) {
            Response r = readOne(s);
            if (r.key().length == 0) {
                return null;
            }
            if (r.keyText().equals(name)) {
                String value = r.valueText();
                while (readOne(s).key().length != 0) {
                    // drain to the terminator
                }
                return value;
            }
        }
    }

    private static Response readOne(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] header = in.readNBytes(24);
        if (header.length < 24) {
            throw new IOException("closed after " + header.length + " bytes");
        }
        int body = ((header[8] & 0xFF) << 24) | ((header[9] & 0xFF) << 16) | ((header[10] & 0xFF) << 8)
                | (header[11] & 0xFF);
        return BinaryFrames.parse(BinaryFrames.concat(header, in.readNBytes(body))).get(0);
    }

    /** True when the server closes the connection within the socket's read timeout. */
    private static boolean closedByPeer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    @Test
    void readOnlySourceGetsAuthErrorAndChangesNothing() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().readOnlyFrom("127.0.0.2/32").maxItemSize(1024)
                .build());
                Socket writer = connect(server.port(), "127.0.0.1");
                Socket reader = connect(server.port(), "127.0.0.2")) {
            assertEquals(0, call(writer, set(0x01, "k", 3, 100, "value", 0)).status());
            assertEquals(0, call(writer, set(0x01, "n", 0, 0, "10", 0)).status());
            List<byte[]> mutations = List.of(set(0x01, "k", 0, 0, "bad", 0), set(0x11, "k", 0, 0, "bad", 0),
                    set(0x02, "new", 0, 0, "bad", 0), set(0x03, "k", 0, 0, "bad", 0),
                    request(0x0e, "k", new byte[0], ascii("bad")), request(0x0f, "k", new byte[0], ascii("bad")),
                    request(0x04, "k"), request(0x14, "k"), request(0x05, "n", incrExtras(1, 0, 0), new byte[0]),
                    request(0x06, "n", incrExtras(1, 0, 0), new byte[0]), request(0x1c, "k", int32(1), new byte[0]),
                    request(0x1d, "k", int32(1), new byte[0]), request(0x23, "k", int32(1), new byte[0]),
                    request(0x08), request(0x18),
                    request(0x01, ascii("k"), setExtras(0, 0), new byte[4096], 0, OPAQUE));
            for (byte[] m : mutations) {
                Response r = call(reader, m);
                assertEquals(0x20, r.status(), "opcode " + (m[1] & 0xFF));
                assertEquals("Auth failure.", r.valueText());
                assertEquals(0x0a, call(reader, request(0x0a)).opcode(), "stream out of step");
            }
            assertEquals("value", call(reader, request(0x00, "k")).valueText(), "reads still work");
            assertEquals("10", call(writer, request(0x00, "n")).valueText());
            assertEquals(1, call(writer, request(0x00, "new")).status());
            assertEquals(3, call(writer, request(0x00, "k")).flags());
        }
    }

    @Test
    void slowDripOfABinaryRequestIsClosedByTheRequestTimeout() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().requestTimeoutSeconds(1).build());
                Socket slow = connect(server.port(), "127.0.0.1")) {
            byte[] packet = request(0x01, ascii("k"), setExtras(0, 0), new byte[1000], 0, OPAQUE);
            slow.setSoTimeout(200);
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(15);
            boolean closed = false;
            for (int i = 0; i < packet.length && System.nanoTime() < deadline && !closed; i++) {
                try {
                    slow.getOutputStream().write(packet[i]);
                    closed = closedByPeer(slow);
                } catch (SocketException reset) {
                    closed = true;
                }
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(closed, "a binary request dripped a byte at a time was never closed");
            assertTrue(took >= 900, "closed before the timeout: " + took + " ms");
            try (Socket other = connect(server.port(), "127.0.0.1")) {
                assertEquals("1", stat(other, "request_timeouts"));
            }
        }
    }

    @Test
    void oversizedValueBeingDroppedCountsAsUnfinished() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().maxItemSize(1024).requestTimeoutSeconds(1).build());
                Socket c = connect(server.port(), "127.0.0.1")) {
            byte[] packet = request(0x01, ascii("k"), setExtras(0, 0), new byte[100_000], 0, OPAQUE);
            Response r = call(c, java.util.Arrays.copyOf(packet, 24 + 8 + 1 + 100));
            assertEquals(3, r.status());
            c.setSoTimeout(8000);
            assertTrue(closedByPeer(c), "a dropped value that never ends must time out");
        }
    }

    @Test
    void idleBinaryConnectionWithNothingPendingIsNotClosedByTheRequestTimeout() throws Exception {
        try (Server server = Server.start(PolicyServers.settings().requestTimeoutSeconds(1).build());
                Socket c = connect(server.port(), "127.0.0.1")) {
            assertEquals(0, call(c, set(0x01, "k", 0, 0, "x", 0)).status());
            c.setSoTimeout(3000);
            assertFalse(closedByPeer(c));
            assertEquals("x", call(c, request(0x00, "k")).valueText());
        }
    }
}
