package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bastion.Bastion;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.TestServers;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15 items 7 and 9: a NUL byte ends a command line's token scan, as in memcached; and a complete line over 2048
 * bytes is answered from the line itself, however the bytes were split into reads. Each exchange is also sent to
 * Debian's memcached and Bastion over loopback, and the replies must be byte-identical.
 */
class LineRulesTest {
    private static final String LONG_JUNK = "x".repeat(6000) + "\r\n";
    private static final String SMALL = "version\r\nset s 0 0 1\r\nz\r\nget s\r\n";

    /** The exchanges of the issue: each request ends with {@code mn}, so the end of its reply is known. */
    private static final List<String> EXCHANGES = List.of(
            "set a 0 0 1\r\nx\r\ndelete a\0 noreply\r\nget a\r\nmn\r\n",
            "set k\0z 0 0 1\r\nx\r\nget k\r\nmn\r\n",
            "set a 0 0 1\r\nx\r\nset b 0 0 1\r\ny\r\nget a\0b\r\nmn\r\n",
            "set a 0 0 1\r\nx\r\nmg a\0 v\r\nmg a v\0 k\r\nmn\r\n",
            "\0\r\nget\0 a\r\nversion\0\r\nmn\r\n",
            SMALL + LONG_JUNK + "version\r\nmn\r\n");

    @Test
    void sameBytesAsMemcached() throws Exception {
        try (MemcachedProcess memcached = MemcachedProcess.start();
                Bastion bastion = Bastion.builder().settings(s -> s.port(0)).start()) {
            for (String exchange : EXCHANGES) {
                byte[] request = exchange.getBytes(StandardCharsets.ISO_8859_1);
                String expected = replyOf(memcached.port(), request);
                assertEquals(expected, replyOf(bastion.port(), request), "reply to " + exchange.replace("\0", "\\0"));
            }
        }
    }

    private static String replyOf(int port, byte[] request) throws Exception {
        try (WireClient c = WireClient.connect(port)) {
            c.send(request);
            return c.readUntil("MN\r\n");
        }
    }

    @Test
    void nulEndsTheLine() {
        EmbeddedChannel ch = new EmbeddedChannel(TestServers.parts().text());
        assertEquals("STORED\r\n", exchange(ch, List.of("set a 0 0 1\r\nx\r\n")));
        assertEquals("DELETED\r\n", exchange(ch, List.of("delete a\0 noreply\r\n")),
                "the noreply after the NUL is not seen, so the delete replies");
        assertEquals("ERROR\r\nERROR\r\n", exchange(ch, List.of("set k\0z 0 0 1\r\nx\r\n")));
        ch.finishAndReleaseAll();
    }

    /**
     * Small commands, then 6000 bytes of junk and its CR LF, then {@code version}: ERROR and the connection goes on,
     * whether the bytes come in one read, split at every 1000 bytes within one read batch, or cut in the middle of the
     * junk line as several reads of the same batch.
     */
    @ParameterizedTest(name = "reads of {0} bytes")
    @ValueSource(ints = {1 << 20, 2048, 1000, 997, 64, 7})
    void completeLongLineIsAnsweredWhateverTheReadSizes(int readSize) {
        byte[] all = (SMALL + LONG_JUNK + "version\r\n").getBytes(StandardCharsets.ISO_8859_1);
        EmbeddedChannel ch = new EmbeddedChannel(TestServers.parts().text());
        Object[] reads = new Object[(all.length + readSize - 1) / readSize];
        for (int i = 0; i < reads.length; i++) {
            int from = i * readSize;
            reads[i] = Unpooled.wrappedBuffer(all, from, Math.min(readSize, all.length - from));
        }
        ch.writeInbound(reads);
        ch.runPendingTasks();
        assertEquals("VERSION 1.6.18\r\nSTORED\r\nVALUE s 0 1\r\nz\r\nEND\r\nERROR\r\nVERSION 1.6.18\r\n",
                drain(ch));
        assertTrue(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    /** A read batch that ends with more than 2048 bytes of a line and no newline still closes (memcached's rule). */
    @Test
    void incompleteLongLineAtTheEndOfABatchCloses() {
        EmbeddedChannel ch = new EmbeddedChannel(TestServers.parts().text());
        assertEquals("VERSION 1.6.18\r\n", exchange(ch, List.of("version\r\n" + "x".repeat(1500),
                "x".repeat(600))));
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
        EmbeddedChannel get = new EmbeddedChannel(TestServers.parts().text());
        assertEquals("", exchange(get, List.of("get " + "k ".repeat(2000))));
        assertTrue(get.isOpen(), "get lines may be long");
        assertEquals("END\r\n", exchange(get, List.of("\r\n")));
        get.finishAndReleaseAll();
    }

    /** Writes the parts as the reads of one batch and returns the reply. */
    private static String exchange(EmbeddedChannel ch, List<String> parts) {
        Object[] reads = parts.stream().map(p -> Unpooled.wrappedBuffer(p.getBytes(StandardCharsets.ISO_8859_1)))
                .toArray();
        ch.writeInbound(reads);
        ch.runPendingTasks();
        return drain(ch);
    }

    private static String drain(EmbeddedChannel ch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object msg = ch.readOutbound(); msg != null; msg = ch.readOutbound()) {
            io.netty.buffer.ByteBuf buf = (io.netty.buffer.ByteBuf) msg;
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            buf.release();
            out.writeBytes(b);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
