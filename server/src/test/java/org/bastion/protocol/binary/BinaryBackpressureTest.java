package org.bastion.protocol.binary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.bastion.policy.Session;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.SlowReader;
import org.bastion.testing.TestServers;
import org.junit.jupiter.api.Test;

/**
 * A binary client that pipelines many gets of large values in one write and does not read its socket: the server
 * answers only as far as the write-buffer high water mark, holds the remaining requests unanswered (not their
 * replies), stops reading, and answers the rest, in order, as the client takes its replies.
 */
class BinaryBackpressureTest {
    private static final int LOW = 8 * 1024;
    private static final int HIGH = 32 * 1024;
    private static final int VALUE = 10_000;
    private static final int GETS = 200;
    private static final int GET = 0x00;
    private static final int NOOP = 0x0a;
    private static final byte[] NONE = new byte[0];

    @Test
    void requestsAlreadyReadWaitUnansweredWhileTheClientIsBehind() {
        TestServers.Parts parts = TestServers.parts();
        SlowReader reader = new SlowReader();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(LOW, HIGH));
        ch.pipeline().addLast("reader", reader);
        ch.pipeline().addLast(BinaryProtocol.stages(parts.exec, parts.stats, Session.local(), 1024 * 1024).all());
        byte[] value = new byte[VALUE];
        Arrays.fill(value, (byte) 'v');
        ch.writeInbound(Unpooled.wrappedBuffer(BinaryFrames.request(0x01, "big".getBytes(),
                BinaryFrames.setExtras(0, 0), value, 0, 1)));
        ChannelHandlerContext ctx = ch.pipeline().context("reader");
        reader.take(ctx);
        drain(ch, new ByteArrayOutputStream());

        ByteArrayOutputStream requests = new ByteArrayOutputStream();
        for (int i = 0; i < GETS; i++) {
            requests.writeBytes(BinaryFrames.request(GET, "big".getBytes(), NONE, NONE, 0, i));
        }
        requests.writeBytes(BinaryFrames.request(NOOP, NONE, NONE, NONE, 0, GETS));
        ch.writeInbound(Unpooled.wrappedBuffer(requests.toByteArray()));
        ch.runPendingTasks();
        assertTrue(reader.held() <= HIGH + VALUE + 100, "held " + reader.held() + " bytes of replies");
        assertFalse(ch.config().isAutoRead(), "not read while the client is behind");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int round = 0; round < 10_000 && !ch.config().isAutoRead(); round++) {
            assertTrue(reader.held() <= HIGH + VALUE + 100, "held " + reader.held());
            reader.take(ctx);
            ch.runPendingTasks();
            drain(ch, out);
        }
        reader.take(ctx);
        drain(ch, out);
        ByteBuffer replies = ByteBuffer.wrap(out.toByteArray());
        for (int i = 0; i <= GETS; i++) {
            assertEquals(0x81, replies.get(replies.position()) & 0xFF, "reply " + i + " is a whole response");
            int opcode = replies.get(replies.position() + 1);
            int status = replies.getShort(replies.position() + 6);
            int body = replies.getInt(replies.position() + 8);
            int opaque = replies.getInt(replies.position() + 12);
            assertEquals(i, opaque, "in order");
            assertEquals(0, status);
            assertEquals(i < GETS ? GET : NOOP, opcode);
            assertEquals(i < GETS ? 4 + VALUE : 0, body);
            replies.position(replies.position() + 24 + body);
        }
        assertFalse(replies.hasRemaining(), "nothing more than the " + (GETS + 1) + " replies");
        assertTrue(ch.config().isAutoRead(), "reading again once every request is answered");
        ch.finishAndReleaseAll();
    }

    private static void drain(EmbeddedChannel ch, ByteArrayOutputStream out) {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.writeBytes(bytes);
            b.release();
        }
    }
}
