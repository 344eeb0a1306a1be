package org.bastion.protocol.binary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.bastion.config.Settings;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.protocol.InputBudget;
import org.bastion.protocol.Turn;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.SlowReader;
import org.bastion.testing.TestServers;
import org.junit.jupiter.api.Test;

/**
 * Binary values being received count against the server's input budget: past it, the connection holding the most of
 * an unfinished value is closed and the smaller holder is kept; a value that arrives whole holds nothing.
 */
class BinaryInputBudgetTest {
    private static final int SET = 0x01;

    private final TestServers.Parts parts = TestServers.parts();
    private final InputBudget budget = new InputBudget(100_000);
    private final List<String> logged = new ArrayList<>();
    private final SecurityLog securityLog = new SecurityLog(0, System::nanoTime, logged::add);

    private EmbeddedChannel connection() {
        return new EmbeddedChannel(BinaryProtocol.stages(parts.exec, parts.stats, Session.local(), 1024 * 1024, budget,
                securityLog, new Turn(Settings.DEFAULT_REQS_PER_EVENT, parts.stats.connYields)).all());
    }

    /** A connection whose client reads nothing, already behind: its next requests wait in the queue. */
    private EmbeddedChannel connectionBehind() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8 * 1024, 32 * 1024));
        ch.pipeline().addLast(new SlowReader());
        ch.pipeline().addLast(BinaryProtocol.stages(parts.exec, parts.stats, Session.local(), 1024 * 1024, budget,
                securityLog, new Turn(Settings.DEFAULT_REQS_PER_EVENT, parts.stats.connYields)).all());
        ch.writeInbound(partialSet("big", 64 * 1024, 64 * 1024));
        ch.writeInbound(Unpooled.wrappedBuffer(BinaryFrames.request(0x00, "big")));
        assertFalse(ch.isWritable(), "the reply to the get is not taken");
        return ch;
    }

    private static ByteBuf gets(int count) {
        ByteBuf b = Unpooled.buffer();
        for (int i = 0; i < count; i++) {
            b.writeBytes(BinaryFrames.request(0x0c, "missing")); // GetK
        }
        return b;
    }

    @Test
    void requestsWaitingForAClientThatDoesNotReadCountAndTheLargestHolderIsClosed() {
        // Found from outside: 250 connections pipelining GetK without reading held 95 MB of heap, uncounted.
        EmbeddedChannel big = connectionBehind();
        EmbeddedChannel small = connectionBehind();
        long each = RequestQueue.HEAP_PER_REQUEST + 7;
        big.writeInbound(gets(200));
        assertEquals(200 * each, budget.held(), "what waits is counted at its heap cost");
        small.writeInbound(gets(120)); // 320 waiting in all: more than the budget of 100,000 bytes
        assertEquals(120 * each, budget.held(), "past the budget the largest holder no longer counts");
        assertEquals(1, budget.evictions());
        big.runPendingTasks();
        small.runPendingTasks();
        assertFalse(big.isOpen(), "the connection holding the most is closed");
        assertTrue(small.isOpen());
        assertEquals(1, logged.size());
        assertTrue(logged.get(0).startsWith("security event=stalled_output"), logged.get(0));
        small.close();
        assertEquals(0, budget.held(), "a closed connection holds nothing");
        big.finishAndReleaseAll();
        small.finishAndReleaseAll();
    }

    /** A set header announcing {@code valueLength} bytes of value, then {@code sent} of them. */
    private static ByteBuf partialSet(String key, int valueLength, int sent) {
        byte[] k = key.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // Exactly as large as its contents, so the memory a chunk keeps is the bytes sent (see the test below).
        int size = 24 + 8 + k.length + sent;
        ByteBuf b = Unpooled.buffer(size, size);
        b.writeByte(0x80).writeByte(SET).writeShort(k.length).writeByte(8).writeByte(0).writeShort(0)
                .writeInt(8 + k.length + valueLength).writeInt(0).writeLong(0);
        b.writeInt(0).writeInt(0).writeBytes(k);
        b.writeZero(sent);
        return b;
    }

    @Test
    void pastTheBudgetTheLargestPartialValueIsClosed() {
        EmbeddedChannel big = connection();
        EmbeddedChannel small = connection();
        big.writeInbound(partialSet("big", 1_000_000, 80_000));
        assertEquals(0, budget.evictions(), "evictions");
        assertEquals(24 + 8 + 3 + 80_000, budget.held(), "the first partial value is counted");
        small.writeInbound(partialSet("small", 1_000_000, 30_000));
        // 110,000 held passed the budget: the larger holder was chosen, its bytes no longer counted, its close is due
        // on its own event loop.
        assertEquals(24 + 8 + 5 + 30_000, budget.held());
        assertEquals(1, budget.evictions());
        big.runPendingTasks();
        small.runPendingTasks();
        assertFalse(big.isOpen(), "the largest holder is closed");
        assertTrue(small.isOpen(), "the smaller one is kept");
        assertEquals(1, logged.size());
        assertTrue(logged.get(0).startsWith("security event=oversize_value"), logged.get(0));

        small.close();
        assertEquals(0, budget.held(), "a closed connection holds nothing");
        big.finishAndReleaseAll();
        small.finishAndReleaseAll();
    }

    /**
     * The decoder hands the value on as slices of the read's buffer, and a slice keeps the whole buffer: a read of 1 KB
     * into a 64 KiB buffer holds 64 KiB until the value completes, and that is what counts.
     */
    @Test
    void aPartialValueCountsTheWholeBufferItsChunkKeeps() {
        EmbeddedChannel ch = connection();
        ByteBuf read = Unpooled.buffer(65_536, 65_536).writeBytes(partialSet("k", 1_000_000, 1_000));
        ch.writeInbound(read);
        assertEquals(65_536, budget.held());
        ch.finishAndReleaseAll();
        assertEquals(0, budget.held());
    }

    @Test
    void aValueThatArrivesWholeHoldsNothing() {
        EmbeddedChannel ch = connection();
        ByteBuf whole = partialSet("k", 50_000, 50_000);
        ch.writeInbound(whole);
        assertEquals(0, budget.held());
        ByteBuf reply = Unpooled.buffer();
        for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
            reply.writeBytes(b);
            b.release();
        }
        assertEquals(0, reply.getUnsignedShort(6), "stored");
        ch.finishAndReleaseAll();
    }
}
