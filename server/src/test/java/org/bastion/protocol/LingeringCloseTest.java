package org.bastion.protocol;

import static org.bastion.testing.BinaryFrames.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.bastion.config.Settings;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A connection that ends (quit, or an error that closes it) while the client is still sending must still deliver
 * every reply owed before the end: the server sends them, ends its output and drops what follows, rather than close
 * with input unread, which makes the kernel reset the connection and lose replies in flight.
 */
class LingeringCloseTest {
    private static final int VALUE = 100_000;
    private static final int HEADER = 24;
    private static Server server;

    @BeforeAll
    static void start() throws Exception {
        server = Server.start(Settings.builder().port(0).build());
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(("set n 0 0 " + VALUE + "\r\n" + "v".repeat(VALUE) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals("STORED\r\n", new String(s.getInputStream().readNBytes(8), StandardCharsets.US_ASCII));
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void textRepliesBeforeQuitArriveWhateverFollowsIt() throws Exception {
        byte[] stream = ("get n\r\nget n\r\nquit\r\n" + "version\r\n".repeat(5000)).getBytes(StandardCharsets.US_ASCII);
        int reply = ("VALUE n 0 " + VALUE + "\r\n").length() + VALUE + "\r\nEND\r\n".length();
        assertEquals(2 * reply, readAllAsASlowClient(stream));
    }

    @Test
    void binaryRepliesBeforeQuitArriveWhateverFollowsIt() throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.write(request(0x00, "n"));
        stream.write(request(0x00, "n"));
        stream.write(request(0x07));
        for (int i = 0; i < 5000; i++) {
            stream.write(request(0x0a));
        }
        int reply = HEADER + 4 + VALUE; // header, flags, value
        assertEquals(2 * reply + HEADER, readAllAsASlowClient(stream.toByteArray()));
    }

    @Test
    void aClosingErrorAlsoDeliversWhatCameBefore() throws Exception {
        // An HTTP request line ends the connection, as in memcached; more follows it.
        byte[] stream = ("get n\r\nGET / HTTP/1.1\r\n" + "version\r\n".repeat(5000)).getBytes(StandardCharsets.US_ASCII);
        int reply = ("VALUE n 0 " + VALUE + "\r\n").length() + VALUE + "\r\nEND\r\n".length();
        assertEquals(reply, readAllAsASlowClient(stream));
    }

    /** Sends the stream in one write, waits as a slow reader would, then reads to the end: no reset may come. */
    private static int readAllAsASlowClient(byte[] stream) throws IOException, InterruptedException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(stream);
            Thread.sleep(300); // the server has written what the socket holds, and ended the connection
            InputStream in = s.getInputStream();
            byte[] buf = new byte[65536];
            int total = 0;
            for (int n; (n = in.read(buf)) > 0; ) { // a reset throws here
                total += n;
            }
            return total;
        }
    }
}
