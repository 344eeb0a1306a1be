package org.bastion.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastion.policy.SecurityLog;
import org.bastion.testing.SlowReader;
import org.bastion.testing.TestServers;
import org.junit.jupiter.api.Test;

/**
 * The total bound on replies held for clients that do not read them: past it, the connections holding the most
 * unread replies are closed, largest first, until the total fits; a client that reads is never chosen.
 */
class OutputGuardTest {
    private static final int LOW = 8 * 1024;
    private static final int HIGH = 32 * 1024;
    private static final int VALUE = 10_000;

    private static EmbeddedChannel connection(TestServers.Parts parts, SlowReader reader, OutputGuard guard) {
        return connection(parts, reader, guard, false);
    }

    /** A connection whose client reads only through {@code reader}; with the guard's stage if {@code staged}. */
    private static EmbeddedChannel connection(TestServers.Parts parts, SlowReader reader, OutputGuard guard,
            boolean staged) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(LOW, HIGH));
        ch.pipeline().addLast("reader", reader);
        if (staged) {
            ch.pipeline().addLast(guard.stage());
        }
        ch.pipeline().addLast(parts.text());
        guard.watch(ch);
        return ch;
    }

    private static void send(EmbeddedChannel ch, String text) {
        ch.writeInbound(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.ISO_8859_1)));
        ch.runPendingTasks();
    }

    /** Eight values of {@link #VALUE} bytes, k0..k7, stored through {@code ch}; returns the get line for all eight. */
    private static String fill(EmbeddedChannel ch) {
        StringBuilder set = new StringBuilder();
        StringBuilder get = new StringBuilder("get");
        for (int i = 0; i < 8; i++) {
            set.append("set k").append(i).append(" 0 0 ").append(VALUE).append(" noreply\r\n")
                    .append("v".repeat(VALUE)).append("\r\n");
            get.append(" k").append(i);
        }
        send(ch, set.toString());
        return get.append("\r\n").toString();
    }

    @Test
    void aConnectionPassingItsHighMarkIsCheckedThenAndThere() {
        TestServers.Parts parts = TestServers.parts();
        List<String> logged = new ArrayList<>();
        OutputGuard guard = new OutputGuard(70_000, new SecurityLog(0, System::nanoTime, logged::add));
        EmbeddedChannel a = connection(parts, new SlowReader(), guard, true);
        EmbeddedChannel b = connection(parts, new SlowReader(), guard, true);
        String getAll = fill(a);
        send(a, getAll);
        assertFalse(a.isWritable(), "A is past its mark");
        assertTrue(a.isOpen(), "A alone holds " + OutputGuard.held(a) + " bytes, under the budget");
        send(b, getAll);
        // No periodic check ran: B passing its mark brought the total over the budget, and one of them was closed.
        assertEquals(1, guard.closed(), "closed as B passed its mark");
        assertTrue(a.isOpen() != b.isOpen(), "exactly one of the two stalled readers closed");
        assertEquals(1, logged.size());
        for (EmbeddedChannel ch : List.of(a, b)) {
            ch.finishAndReleaseAll();
        }
    }

    /**
     * A stage after the guard's that holds a close back, as TLS does while it waits to send its close_notify to a
     * client that does not read: the guard's close goes below it, so the connection and its buffers go at once.
     */
    @Test
    void aClosedConnectionLetsGoAtOnceWhateverTheStagesAfterTheGuard() {
        TestServers.Parts parts = TestServers.parts();
        OutputGuard guard = new OutputGuard(20_000, new SecurityLog(0, System::nanoTime, line -> { }));
        AtomicInteger heldBack = new AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(LOW, HIGH));
        ch.pipeline().addLast(new SlowReader(), guard.stage(), new ChannelOutboundHandlerAdapter() {
            @Override
            public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
                heldBack.incrementAndGet();
            }
        }, parts.text());
        guard.watch(ch);
        send(ch, fill(ch));
        assertFalse(ch.isOpen(), "closed as it passed its mark over the budget");
        assertEquals(0, heldBack.get(), "the close did not pass through the stage after the guard");
        assertEquals(0, OutputGuard.held(ch), "its replies were let go");
        assertEquals(1, guard.closed());
        ch.finishAndReleaseAll();
    }

    @Test
    void withNoneStalledTheLargestHoldersAreClosedOverTheBudget() {
        TestServers.Parts parts = TestServers.parts();
        OutputGuard guard = new OutputGuard(40_000, new SecurityLog(0, System::nanoTime, line -> { }));
        EmbeddedChannel small = connection(parts, new SlowReader(), guard);
        fill(small);
        send(small, "get k0\r\n");
        List<EmbeddedChannel> under = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            EmbeddedChannel ch = connection(parts, new SlowReader(), guard);
            send(ch, "get k0 k1\r\n");
            assertTrue(ch.isWritable(), "20 kB of replies, under the high mark of " + HIGH);
            under.add(ch);
        }
        // 4 × 20 kB + 10 kB held by clients none of which is past its mark, over the budget of 40 kB.
        guard.check();
        long closed = under.stream().filter(ch -> !ch.isOpen()).count();
        assertEquals(3, closed, "the largest holders closed until 20 + 10 kB fit");
        assertTrue(small.isOpen(), "the smallest holder is kept");
        assertEquals(3, guard.closed());
        small.finishAndReleaseAll();
        for (EmbeddedChannel ch : under) {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void pastTheBudgetTheLargestStalledReadersAreClosedAndReadersAreNot() {
        TestServers.Parts parts = TestServers.parts();
        List<String> logged = new ArrayList<>();
        OutputGuard guard = new OutputGuard(70_000, new SecurityLog(0, System::nanoTime, logged::add));
        SlowReader readerA = new SlowReader();
        SlowReader readerB = new SlowReader();
        SlowReader readerC = new SlowReader();
        EmbeddedChannel a = connection(parts, readerA, guard);
        EmbeddedChannel b = connection(parts, readerB, guard);
        EmbeddedChannel c = connection(parts, readerC, guard);
        String get = fill(a);
        send(a, get);
        send(b, "get k0 k1\r\n");
        send(b, get);
        send(c, "get k0 k1\r\n");
        assertFalse(a.isWritable());
        assertFalse(b.isWritable());
        assertTrue(c.isWritable(), "C's replies are under its high mark");
        long heldA = OutputGuard.held(a);
        long heldB = OutputGuard.held(b);
        long heldC = OutputGuard.held(c);
        assertTrue(heldA + heldB + heldC > 70_000, "over the budget: " + heldA + " " + heldB + " " + heldC);

        guard.check();
        int closed = (a.isOpen() ? 0 : 1) + (b.isOpen() ? 0 : 1);
        assertEquals(1, closed, "one stalled reader closed brings the total under the budget");
        assertEquals(heldA >= heldB, !a.isOpen(), "the one holding more");
        assertTrue(c.isOpen(), "a connection under its high mark is never chosen");
        assertEquals(1, guard.closed());
        assertEquals(1, logged.size());
        assertTrue(logged.get(0).startsWith("security event=stalled_output"), logged.get(0));

        guard.check();
        assertEquals(1, guard.closed(), "under the budget now: nothing more is closed");
        for (EmbeddedChannel ch : List.of(a, b, c)) {
            ch.finishAndReleaseAll();
        }
    }
}
