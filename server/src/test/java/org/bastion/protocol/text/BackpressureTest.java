package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.bastion.policy.Session;
import org.bastion.protocol.InputBudget;
import org.bastion.protocol.ReplyBuffer;
import org.bastion.testing.SlowReader;
import org.bastion.testing.TestServers;
import org.junit.jupiter.api.Test;

/**
 * Output backpressure, piecewise multi-gets, no truncated reply and the input budget, on {@link EmbeddedChannel}s: a
 * {@link SlowReader} at the head of the pipeline holds what is written (counted against the channel's water marks,
 * as a socket nobody reads would) until the test lets the client "read" it.
 */
class BackpressureTest {
    private static final int LOW = 8 * 1024;
    private static final int HIGH = 32 * 1024;
    private static final int VALUE = 10_000;

    private static EmbeddedChannel channel(SlowReader reader, TestServers.Parts parts) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(LOW, HIGH));
        ch.pipeline().addLast("reader", reader);
        ch.pipeline().addLast(parts.text());
        return ch;
    }

    private static String store(EmbeddedChannel ch, int items) {
        StringBuilder set = new StringBuilder();
        for (int i = 0; i < items; i++) {
            set.append("set k").append(i).append(" 0 0 ").append(VALUE).append(" noreply\r\n")
                    .append(Character.toString('a' + i % 26).repeat(VALUE)).append("\r\n");
        }
        ch.writeInbound(Unpooled.wrappedBuffer(set.toString().getBytes(StandardCharsets.ISO_8859_1)));
        return set.toString();
    }

    @Test
    void multiGetPausesPastTheHighMarkAndCompletesInOrderAsTheClientReads() {
        SlowReader reader = new SlowReader();
        EmbeddedChannel ch = channel(reader, TestServers.parts());
        int items = 60;
        store(ch, items);
        StringBuilder get = new StringBuilder("get");
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < items; i++) {
            get.append(" k").append(i);
            expected.append("VALUE k").append(i).append(" 0 ").append(VALUE).append("\r\n")
                    .append(Character.toString('a' + i % 26).repeat(VALUE)).append("\r\n");
        }
        expected.append("END\r\nVERSION 1.6.18\r\nEND\r\n");
        ch.writeInbound(Unpooled.wrappedBuffer((get + "\r\nversion\r\nget nothing\r\n")
                .getBytes(StandardCharsets.ISO_8859_1)));
        ch.runPendingTasks();
        long held = reader.held();
        assertTrue(held <= HIGH + VALUE + 100, "held " + held + " bytes of a " + items * VALUE + "-byte reply");
        assertFalse(ch.isWritable());
        assertFalse(ch.config().isAutoRead(), "the connection is not read while its client is behind");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChannelHandlerContext ctx = ch.pipeline().context("reader");
        for (int round = 0; round < 1000 && out.size() < expected.length(); round++) {
            assertTrue(reader.held() <= HIGH + VALUE + 100);
            reader.take(ctx);
            ch.runPendingTasks();
            drain(ch, out);
        }
        assertEquals(expected.toString(), out.toString(StandardCharsets.ISO_8859_1));
        assertTrue(ch.config().isAutoRead(), "reading again once drained");
        ch.finishAndReleaseAll();
    }

    /**
     * {@code lru_crawler metadump all} of 3,000 items (about 300 KB of lines) to a client that does not read: held to
     * the high mark plus one chunk, then every line once, then END and the next command's reply, as the client reads.
     */
    /** Runs the loop's tasks, scheduled ones too, as the real loop would between socket polls, until none is left. */
    private static void runUntilIdle(EmbeddedChannel ch) {
        for (int pass = 0; pass < 100_000; pass++) {
            ch.runPendingTasks();
            if (ch.runScheduledPendingTasks() < 0) {
                return;
            }
        }
        throw new AssertionError("tasks still scheduled after 100,000 passes");
    }

    @Test
    void metadumpPausesPastTheHighMarkAndCompletesAsTheClientReads() {
        SlowReader reader = new SlowReader();
        EmbeddedChannel ch = channel(reader, TestServers.parts());
        int items = 3000;
        StringBuilder set = new StringBuilder();
        for (int i = 0; i < items; i++) {
            set.append("set dump:key:").append(i).append(" 0 0 1 noreply\r\nv\r\n");
        }
        ch.writeInbound(Unpooled.wrappedBuffer(set.toString().getBytes(StandardCharsets.ISO_8859_1)));
        ch.writeInbound(Unpooled.wrappedBuffer("lru_crawler metadump all\r\nversion\r\n"
                .getBytes(StandardCharsets.ISO_8859_1)));
        // 3,000 pipelined sets take 150 turns of -R 20: the loop runs them before the dump fills the channel.
        runUntilIdle(ch);
        assertFalse(ch.isWritable());
        assertTrue(reader.held() <= HIGH + 70 * 1024, "held " + reader.held() + " bytes");
        assertFalse(ch.config().isAutoRead(), "the connection is not read while its client is behind");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChannelHandlerContext ctx = ch.pipeline().context("reader");
        for (int round = 0; round < 1000 && !out.toString(StandardCharsets.ISO_8859_1).endsWith("VERSION 1.6.18\r\n");
                round++) {
            assertTrue(reader.held() <= HIGH + 70 * 1024);
            reader.take(ctx);
            ch.runPendingTasks();
            drain(ch, out);
        }
        String[] lines = out.toString(StandardCharsets.ISO_8859_1).split("\n");
        assertEquals(items + 2, lines.length, "every item once, END and VERSION");
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (int i = 0; i < items; i++) {
            assertTrue(lines[i].startsWith("key=dump%3Akey%3A"), lines[i]);
            keys.add(lines[i].substring(0, lines[i].indexOf(' ')));
        }
        assertEquals(items, keys.size(), "no item twice");
        assertEquals("END\r", lines[items]);
        assertEquals("VERSION 1.6.18\r", lines[items + 1]);
        ch.finishAndReleaseAll();
    }

    @Test
    void aReplyThatCannotBeCompletedClosesTheConnection() {
        SlowReader reader = new SlowReader();
        EmbeddedChannel ch = channel(reader, TestServers.parts());
        store(ch, 3);
        reader.failWritesFrom = ReplyBuffer.LARGE_VALUE;
        ch.writeInbound(Unpooled.wrappedBuffer("get k0 k1 k2\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        ch.runPendingTasks();
        assertFalse(ch.isOpen(), "closed, not left hanging mid-value");
        ch.finishAndReleaseAll();
    }

    @Test
    void pastTheInputBudgetTheLargestPartialSenderIsClosed() {
        TestServers.Parts parts = TestServers.parts();
        InputBudget budget = new InputBudget(16_000);
        EmbeddedChannel small = new EmbeddedChannel(
                new TextProtocolHandler(parts.exec, parts.stats, parts.securityLog, Session.local(), budget));
        EmbeddedChannel large = new EmbeddedChannel(
                new TextProtocolHandler(parts.exec, parts.stats, parts.securityLog, Session.local(), budget));
        small.writeInbound(Unpooled.wrappedBuffer(("get " + "a".repeat(9_996)).getBytes(StandardCharsets.US_ASCII)));
        assertEquals(10_000, budget.held());
        large.writeInbound(Unpooled.wrappedBuffer(("get " + "b".repeat(19_996)).getBytes(StandardCharsets.US_ASCII)));
        small.runPendingTasks();
        large.runPendingTasks();
        assertFalse(large.isOpen(), "the largest holder is closed");
        assertTrue(small.isOpen());
        assertEquals(10_000, budget.held());
        small.writeInbound(Unpooled.wrappedBuffer(" c\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0, budget.held(), "a completed line holds nothing");
        assertTrue(small.isOpen());
        small.finishAndReleaseAll();
        large.finishAndReleaseAll();
    }

    private static void drain(EmbeddedChannel ch, ByteArrayOutputStream out) {
        for (Object msg = ch.readOutbound(); msg != null; msg = ch.readOutbound()) {
            ByteBuf buf = (ByteBuf) msg;
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            buf.release();
            out.writeBytes(b);
        }
    }
}
