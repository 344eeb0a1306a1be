package org.bastion.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.bastion.policy.Session;
import org.bastion.protocol.binary.BinaryProtocol;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.Store;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.TestServers;
import org.junit.jupiter.api.Test;

/**
 * memcached's {@code -R}: a connection that pipelines more requests than one turn allows has exactly that many
 * answered, stops being read, and has the rest answered, in order, from tasks the event loop runs after polling its
 * other sockets; each yield counts in {@code conn_yields}. The channel's clock is frozen, so a turn's resume
 * (scheduled a nanosecond ahead) runs only when the test moves the clock on: one turn at a time.
 */
class TurnTest {
    private static final int REQUESTS = 50;
    private static final int PER_TURN = 20;

    @Test
    void aTurnEndsAfterItsRequestsAndCountsAYield() {
        LongAdder yields = new LongAdder();
        Turn turn = new Turn(3, yields);
        assertFalse(turn.spend());
        assertFalse(turn.spend());
        assertTrue(turn.spend(), "the third of three ends the turn");
        assertEquals(1, yields.sum());
        assertFalse(turn.spend(), "and the next turn starts whole");
        turn.renew();
        assertFalse(turn.spend());
        assertFalse(turn.spend());
        assertTrue(turn.spend(), "renew gave a whole turn back");
        assertEquals(2, yields.sum());
        assertThrows(IllegalArgumentException.class, () -> new Turn(0, yields));
    }

    @Test
    void textRequestsPastOneTurnWaitForTheLoopAndComeOutInOrder() {
        TestServers.Parts parts = TestServers.parts();
        EmbeddedChannel ch = new EmbeddedChannel(new TextProtocolHandler(parts.exec, parts.stats, parts.securityLog,
                Session.local(), InputBudget.unlimited(), new Turn(PER_TURN, parts.stats.connYields)));
        StringBuilder in = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < REQUESTS; i++) {
            // Storage commands with their data blocks and gets alternate, so turns end inside either kind.
            if (i % 2 == 0) {
                in.append("set k").append(i).append(" 0 0 2\r\nv").append(i % 10).append("\r\n");
                expected.append("STORED\r\n");
            } else {
                in.append("get k").append(i - 1).append("\r\n");
                expected.append("VALUE k").append(i - 1).append(" 0 2\r\nv").append((i - 1) % 10).append("\r\nEND\r\n");
            }
        }
        ch.freezeTime();
        ch.writeInbound(Unpooled.wrappedBuffer(in.toString().getBytes(StandardCharsets.ISO_8859_1)));

        String firstTurn = drain(ch);
        assertEquals(PER_TURN / 2, count(firstTurn, "STORED\r\n"), firstTurn);
        assertEquals(PER_TURN / 2, count(firstTurn, "END\r\n"), firstTurn);
        assertEquals(1, parts.stats.connYields.sum());
        assertFalse(ch.config().isAutoRead(), "not read while it yields");

        nextTurn(ch);
        String secondTurn = drain(ch);
        assertEquals(PER_TURN, count(secondTurn, "STORED\r\n") + count(secondTurn, "END\r\n"), secondTurn);
        assertEquals(2, parts.stats.connYields.sum());
        nextTurn(ch);
        assertEquals(expected.toString(), firstTurn + secondTurn + drain(ch), "every reply once, in request order");
        assertEquals(2, parts.stats.connYields.sum(), "50 requests are turns of 20, 20 and 10");
        assertTrue(ch.config().isAutoRead(), "read again once nothing waits");
        ch.finishAndReleaseAll();
    }

    @Test
    void binaryRequestsPastOneTurnWaitForTheLoopAndComeOutInOrder() {
        TestServers.Parts parts = TestServers.parts();
        EmbeddedChannel ch = new EmbeddedChannel(BinaryProtocol.stages(parts.exec, parts.stats, Session.local(),
                1024 * 1024, InputBudget.unlimited(), parts.securityLog,
                new Turn(PER_TURN, parts.stats.connYields)).all());
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (int i = 0; i < REQUESTS; i++) {
            in.writeBytes(i % 2 == 0
                    ? BinaryFrames.request(0x01, ("k" + i).getBytes(StandardCharsets.ISO_8859_1),
                            BinaryFrames.setExtras(0, 0), BinaryFrames.ascii("v" + i), 0, i)
                    : BinaryFrames.request(0x0c, ("k" + (i - 1)).getBytes(StandardCharsets.ISO_8859_1),
                            new byte[0], new byte[0], 0, i));
        }
        ch.freezeTime();
        ch.writeInbound(Unpooled.wrappedBuffer(in.toByteArray()));

        List<BinaryFrames.Response> firstTurn = BinaryFrames.parse(drainBytes(ch));
        assertEquals(PER_TURN, firstTurn.size());
        assertEquals(1, parts.stats.connYields.sum());
        assertFalse(ch.config().isAutoRead(), "not read while it yields");

        nextTurn(ch);
        List<BinaryFrames.Response> secondTurn = BinaryFrames.parse(drainBytes(ch));
        assertEquals(PER_TURN, secondTurn.size());
        nextTurn(ch);
        List<BinaryFrames.Response> rest = BinaryFrames.parse(drainBytes(ch));
        assertEquals(REQUESTS - 2 * PER_TURN, rest.size());
        List<BinaryFrames.Response> all = new java.util.ArrayList<>(firstTurn);
        all.addAll(secondTurn);
        all.addAll(rest);
        for (int i = 0; i < REQUESTS; i++) {
            BinaryFrames.Response r = all.get(i);
            assertEquals(i, r.opaque(), "replies in request order");
            assertEquals(0, r.status());
            if (i % 2 == 1) {
                assertEquals("k" + (i - 1), r.keyText());
                assertEquals("v" + (i - 1), r.valueText());
            }
        }
        assertEquals(2, parts.stats.connYields.sum());
        assertTrue(ch.config().isAutoRead(), "read again once nothing waits");
        ch.finishAndReleaseAll();
    }

    /**
     * A {@code lru_crawler metadump} to a client that takes every byte at once: the channel passes its high mark, the
     * flush drains it, and it is writable again within the same pass. The rest of the dump must still wait for the
     * loop's next pass, not be produced whole (a bystander once waited 0.7 to 1.4 s behind a 500,000-item dump).
     */
    @Test
    void aLongReplyToAReaderThatKeepsUpGoesOnOnlyAfterTheLoopHasPolled() {
        TestServers.Parts parts = TestServers.parts();
        int items = 5000;
        for (int i = 0; i < items; i++) {
            parts.store.write(Store.Mode.SET, Key.of("dump:key:" + i), 0, Item.NEVER, new byte[] {'v'}, 0, 0);
        }
        EmbeddedChannel ch = new EmbeddedChannel(parts.text());
        ch.freezeTime();
        ch.writeInbound(Unpooled.wrappedBuffer("lru_crawler metadump all\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        StringBuilder out = new StringBuilder(drain(ch));
        assertFalse(out.toString().endsWith("END\r\n"), "the whole dump in one pass");
        assertTrue(ch.isWritable(), "the client keeps up");
        int passes = 1;
        while (!out.toString().endsWith("END\r\n") && passes < 10_000) {
            nextTurn(ch);
            out.append(drain(ch));
            passes++;
        }
        assertTrue(passes > 2, passes + " passes");
        assertEquals(items, count(out.toString(), "key=dump%3Akey%3A"), "every item once");
        ch.finishAndReleaseAll();
    }

    @Test
    void requestsWithinOneTurnNeverYield() {
        TestServers.Parts parts = TestServers.parts();
        EmbeddedChannel ch = new EmbeddedChannel(parts.text());
        ch.writeInbound(Unpooled.wrappedBuffer("version\r\n".repeat(19).getBytes(StandardCharsets.ISO_8859_1)));
        ch.writeInbound(Unpooled.wrappedBuffer("version\r\n".repeat(19).getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(38, count(drain(ch), "VERSION "));
        assertEquals(0, parts.stats.connYields.sum(), "a turn is renewed with every read");
        ch.finishAndReleaseAll();
    }

    /** The loop's next pass on the frozen clock: what a yield scheduled runs, nothing it schedules in turn. */
    private static void nextTurn(EmbeddedChannel ch) {
        ch.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        ch.runPendingTasks();
    }

    private static String drain(EmbeddedChannel ch) {
        return new String(drainBytes(ch), StandardCharsets.ISO_8859_1);
    }

    private static byte[] drainBytes(EmbeddedChannel ch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b; (b = ch.readOutbound()) != null; b.release()) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int at = s.indexOf(what); at >= 0; at = s.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }
}
