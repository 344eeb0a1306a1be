package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bastion.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.bastion.command.CommandExecutor;
import org.bastion.policy.Session;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.store.ManualClock;
import org.bastion.testing.TestServers;

/**
 * {@link TextProtocolHandler} on an {@link EmbeddedChannel} with byte fixtures: every command and error reply (the
 * table in {@link TextFixtures}, checked against memcached by {@link TextFixturesMatchMemcachedTest}), pipelining,
 * commands split at every byte boundary, and the limits that protect the server.
 */
class TextProtocolHandlerTest {
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private ManualClock clock;
    private TestServers.Parts parts;

    @AfterEach
    void releaseEverything() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel channel() {
        return channel(Settings.builder().threads(1).build());
    }

    private EmbeddedChannel channel(Settings settings) {
        clock = new ManualClock();
        parts = TestServers.parts(settings, clock);
        EmbeddedChannel ch = new EmbeddedChannel(parts.text());
        channels.add(ch);
        return ch;
    }

    /** Writes each part as its own read (each ends with channelReadComplete) and returns every byte written back. */
    static String exchange(EmbeddedChannel ch, byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            if (ch.isOpen()) {
                ch.writeInbound(Unpooled.wrappedBuffer(part));
            }
            drain(ch, out);
        }
        ch.runPendingTasks();
        drain(ch, out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    static String exchange(EmbeddedChannel ch, String request) {
        return exchange(ch, bytes(request));
    }

    private static void drain(EmbeddedChannel ch, ByteArrayOutputStream out) {
        for (Object msg = ch.readOutbound(); msg != null; msg = ch.readOutbound()) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] b = new byte[buf.readableBytes()];
                buf.readBytes(b);
                out.writeBytes(b);
            } finally {
                buf.release();
            }
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Replaces the CAS of every {@code VALUE key flags bytes cas} line, whose value differs between servers. */
    static String maskCas(String reply) {
        return reply.replaceAll("(VALUE \\S+ \\d+ \\d+) \\d+\r\n", "$1 <cas>\r\n");
    }

    static Stream<TextFixtures.Fixture> fixtures() {
        return TextFixtures.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void fixtureGivesTheReferenceReply(TextFixtures.Fixture fixture) {
        EmbeddedChannel ch = channel();
        assertEquals(fixture.reply(), maskCas(exchange(ch, fixture.request())));
        assertEquals(!fixture.closes(), ch.isOpen(), "connection open");
    }

    /** Every non-closing fixture in one buffer, separated by flush_all: replies in order, each the fixture's. */
    @Test
    void pipelinedFixturesAnswerInOrder() {
        StringBuilder request = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        pipelineStream(request, expected);
        assertEquals(expected.toString(), maskCas(exchange(channel(), request.toString())));
    }

    /** The same stream cut in two at every byte boundary gives the same replies as one buffer. */
    @Test
    void streamSplitAtEveryByteBoundaryGivesIdenticalReplies() {
        StringBuilder request = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        pipelineStream(request, expected);
        byte[] all = bytes(request.toString());
        String whole = exchange(channel(), all);
        assertEquals(expected.toString(), maskCas(whole));
        for (int cut = 1; cut < all.length; cut++) {
            byte[] head = java.util.Arrays.copyOfRange(all, 0, cut);
            byte[] tail = java.util.Arrays.copyOfRange(all, cut, all.length);
            EmbeddedChannel ch = channel();
            String split = exchange(ch, head, tail);
            if (!split.equals(whole)) {
                assertEquals(whole, split, "cut at byte " + cut + " of " + all.length);
            }
            ch.finishAndReleaseAll();
        }
        channels.clear();
    }

    /** The same stream fed one byte per read. */
    @Test
    void streamFedOneByteAtATimeGivesIdenticalReplies() {
        StringBuilder request = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        pipelineStream(request, expected);
        byte[] all = bytes(request.toString());
        byte[][] parts = new byte[all.length][];
        for (int i = 0; i < all.length; i++) {
            parts[i] = new byte[] {all[i]};
        }
        assertEquals(expected.toString(), maskCas(exchange(channel(), parts)));
    }

    /** The fixtures small enough to cut at every byte, each followed by flush_all so the next starts empty. */
    private static void pipelineStream(StringBuilder request, StringBuilder expected) {
        for (TextFixtures.Fixture f : TextFixtures.all()) {
            if (f.closes() || f.request().length() > 4000) {
                continue;
            }
            request.append(f.request()).append("flush_all\r\n");
            expected.append(f.reply()).append("OK\r\n");
        }
    }

    /** Deliberately unlike memcached, which discards the unsent replies read in the same batch. */
    @Test
    void repliesBeforeQuitOrAnHttpLineAreSentBeforeClosing() {
        EmbeddedChannel ch = channel();
        assertEquals("VERSION 1.6.18\r\n", exchange(ch, "version\r\nquit\r\nversion\r\n"));
        assertFalse(ch.isOpen());
        EmbeddedChannel http = channel();
        assertEquals("VERSION 1.6.18\r\n", exchange(http, "version\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertFalse(http.isOpen());
    }

    /** Deliberately unlike memcached, which also drops earlier unsent replies when a get key is too long. */
    @Test
    void tooLongGetKeyKeepsEarlierRepliesAndTouchesKeysBeforeIt() {
        EmbeddedChannel ch = channel();
        assertEquals("STORED\r\nCLIENT_ERROR bad command line format\r\nEND\r\n",
                exchange(ch, "set a 0 0 1\r\nx\r\ngat -1 a " + TextFixtures.LONG_KEY + "\r\nget a\r\n"),
                "like memcached, keys before the long one were touched (here: expired)");
    }

    @Test
    void thousandsOfCommandsInOneBuffer() {
        StringBuilder request = new StringBuilder("set a 0 0 1\r\nx\r\n");
        StringBuilder expected = new StringBuilder("STORED\r\n");
        for (int i = 0; i < 5000; i++) {
            request.append(i % 2 == 0 ? "get a\r\n" : "incr a 1\r\n");
            expected.append(i % 2 == 0 ? "VALUE a 0 1\r\nx\r\nEND\r\n" : "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
        }
        assertEquals(expected.toString(), exchange(channel(), request.toString()));
    }

    @Test
    void valueArrivingInPiecesIsStoredWhole() {
        EmbeddedChannel ch = channel();
        String value = "v".repeat(100_000);
        assertEquals("", exchange(ch, "set a 0 0 100000\r\n" + value.substring(0, 30_000)));
        assertEquals("", exchange(ch, value.substring(30_000, 99_999)));
        assertEquals("STORED\r\n", exchange(ch, value.substring(99_999) + "\r\n"));
        assertEquals("VALUE a 0 100000\r\n" + value + "\r\nEND\r\n", exchange(ch, "get a\r\n"));
    }

    @Test
    void lineOf2048BytesWithoutNewlineStaysOpenButOneMoreCloses() {
        EmbeddedChannel ch = channel();
        exchange(ch, "x".repeat(TextProtocolHandler.MAX_LINE));
        assertTrue(ch.isOpen(), "2048 bytes may still become a command");
        exchange(ch, "x");
        assertFalse(ch.isOpen(), "2049 bytes without a newline close the connection");
    }

    @Test
    void longLineArrivingInPiecesCloses() {
        EmbeddedChannel ch = channel();
        for (int i = 0; i < 10 && ch.isOpen(); i++) {
            exchange(ch, "set" + " ".repeat(297));
        }
        assertFalse(ch.isOpen());
    }

    @Test
    void getLineMayBeLongUpTo1MiB() {
        EmbeddedChannel ch = channel();
        exchange(ch, "set a 0 0 1\r\nx\r\n");
        String keys = "b ".repeat(TextProtocolHandler.MAX_GET_LINE / 2 - 10);
        assertEquals("", exchange(ch, "get " + keys.substring(0, 300_000)));
        assertEquals("", exchange(ch, keys.substring(300_000)));
        assertEquals("VALUE a 0 1\r\nx\r\nEND\r\n", exchange(ch, "a\r\n"));
        assertTrue(ch.isOpen());
        assertEquals("END\r\n", exchange(ch, "gets " + "c ".repeat(100_000) + "\r\n"));
    }

    @Test
    void aConnectionKeepsNoMegabytesAfterAHugeGet() {
        // Found from outside: an idle connection kept its 1 MiB line and 6 MB of token tables after one huge get.
        EmbeddedChannel ch = channel();
        exchange(ch, "set a 0 0 1\r\nx\r\n");
        TextProtocolHandler handler = ch.pipeline().get(TextProtocolHandler.class);
        long before = handler.scratchBytes();
        String keys = "b ".repeat(TextProtocolHandler.MAX_GET_LINE / 2 - 10);
        assertEquals("VALUE a 0 1\r\nx\r\nEND\r\n", exchange(ch, "get " + keys + "a\r\n"));
        assertEquals(before, handler.scratchBytes(), "back to what a fresh connection keeps");
        assertEquals("VALUE a 0 1\r\nx\r\nEND\r\n", exchange(ch, "get a\r\n"));
    }

    @Test
    void getLineOver1MiBCloses() {
        EmbeddedChannel ch = channel();
        exchange(ch, "get " + "b ".repeat(TextProtocolHandler.MAX_GET_LINE / 2));
        assertFalse(ch.isOpen());
    }

    @Test
    void oversizeValueIsSwallowedAcrossReadsAndTheNextCommandParses() {
        EmbeddedChannel ch = channel();
        assertEquals("STORED\r\n", exchange(ch, "set a 0 0 1\r\nx\r\n"));
        int length = 2 * 1024 * 1024;
        assertEquals("SERVER_ERROR object too large for cache\r\n", exchange(ch, "set a 0 0 " + length + "\r\n"));
        StringBuilder rest = new StringBuilder();
        for (int sent = 0; sent < length; sent += 65536) {
            assertEquals("", exchange(ch, "set b 0 0 1\r\ny\r\n".repeat(4096).substring(0, Math.min(65536, length - sent))));
        }
        assertEquals("END\r\nVERSION 1.6.18\r\n", exchange(ch, "\r\nget a\r\nversion\r\n"));
        assertEquals("END\r\n", exchange(ch, "get b\r\n"), "the swallowed bytes were never parsed as commands");
        assertEquals(1, parts.stats.storeTooLarge.sum());
    }

    @Test
    void valueOfExactlyMaxItemSizeIsStored() {
        EmbeddedChannel ch = channel(Settings.builder().threads(1).maxItemSize(1024).build());
        assertEquals("STORED\r\n", exchange(ch, "set a 0 0 1024\r\n" + "v".repeat(1024) + "\r\n"));
        assertEquals("SERVER_ERROR object too large for cache\r\n",
                exchange(ch, "set a 0 0 1025\r\n" + "v".repeat(1025) + "\r\n"));
        assertEquals("END\r\n", exchange(ch, "get a\r\n"), "the failed set removed the old value");
    }

    @Test
    void fullStoreWithEvictionsDisabledAnswersOutOfMemory() {
        EmbeddedChannel ch = channel(Settings.builder().threads(1).memoryLimitMegabytes(1).maxItemSize(256 * 1024)
                .evictionsDisabled(true).build());
        String value = "v".repeat(200_000);
        StringBuilder replies = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            replies.append(exchange(ch, "set k" + i + " 0 0 200000\r\n" + value + "\r\n"));
        }
        assertEquals("STORED\r\n".repeat(5) + "SERVER_ERROR out of memory storing object\r\n", replies.toString());
        assertEquals("VALUE k0 0 1\r\nx\r\nEND\r\n".length(),
                exchange(ch, "set k0 0 0 1\r\nx\r\nget k0\r\n").length() - "STORED\r\n".length(),
                "a smaller value still fits after replacing a big one");
        assertEquals(1, parts.stats.storeNoMemory.sum());
    }

    @Test
    void relativeExpiryFollowsTheClock() {
        EmbeddedChannel ch = channel();
        assertEquals("STORED\r\n", exchange(ch, "set a 0 10 1\r\nx\r\n"));
        clock.advance(9, TimeUnit.SECONDS);
        assertEquals("VALUE a 0 1\r\nx\r\nEND\r\n", exchange(ch, "get a\r\n"));
        clock.advance(1, TimeUnit.SECONDS);
        assertEquals("END\r\n", exchange(ch, "get a\r\n"));
    }

    @Test
    void delayedFlushAllTakesEffectAtItsCutOff() {
        EmbeddedChannel ch = channel();
        assertEquals("STORED\r\nOK\r\n", exchange(ch, "set a 0 0 1\r\nx\r\nflush_all 10\r\n"));
        clock.advance(9, TimeUnit.SECONDS);
        assertEquals("VALUE a 0 1\r\nx\r\nEND\r\n", exchange(ch, "get a\r\n"));
        clock.advance(2, TimeUnit.SECONDS);
        assertEquals("END\r\nSTORED\r\nVALUE b 0 1\r\ny\r\nEND\r\n", exchange(ch, "get a\r\nset b 0 0 1\r\ny\r\nget b\r\n"));
    }

    @Test
    void verbosityCommandReachesTheServer() {
        EmbeddedChannel ch = channel();
        assertEquals("OK\r\nOK\r\n", exchange(ch, "verbosity 1\r\nverbosity 7\r\n"));
        assertEquals(2, parts.control.verbosity, "levels above 2 mean 2, as in memcached");
    }

    @Test
    void statsEndsWithEndAndHasNoBlankLines() {
        EmbeddedChannel ch = channel();
        exchange(ch, "set a 0 0 1\r\nx\r\nget a\r\nget b\r\n");
        for (String sub : new String[] {"stats\r\n", "stats settings\r\n"}) {
            String reply = exchange(ch, sub);
            assertTrue(reply.endsWith("\r\nEND\r\n"), reply);
            for (String line : reply.split("\r\n")) {
                assertTrue(line.equals("END") || line.matches("STAT \\S+ \\S.*"), "bad stats line '" + line + "'");
            }
        }
        String stats = exchange(ch, "stats\r\n");
        for (String name : new String[] {"pid", "uptime", "time", "version", "pointer_size", "rusage_user",
                "rusage_system", "max_connections", "curr_connections", "total_connections", "rejected_connections",
                "cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "get_hits", "get_misses", "get_expired", "get_flushed",
                "delete_hits", "delete_misses", "incr_hits", "incr_misses", "decr_hits", "decr_misses", "cas_hits",
                "cas_misses", "cas_badval", "touch_hits", "touch_misses", "bytes_read", "bytes_written",
                "limit_maxbytes", "threads", "bytes", "curr_items", "total_items", "evictions"}) {
            assertTrue(stats.contains("\r\nSTAT " + name + " ") || stats.startsWith("STAT " + name + " "),
                    "no " + name + " in " + stats);
        }
        assertTrue(stats.startsWith("STAT pid " + ProcessHandle.current().pid() + "\r\n"), stats);
        assertTrue(stats.contains("STAT version 1.6.18\r\n"), stats);
        assertTrue(stats.contains("STAT get_hits 1\r\n"), stats);
        assertTrue(stats.contains("STAT get_misses 1\r\n"), stats);
        assertTrue(stats.contains("STAT cmd_set 1\r\n"), stats);
        assertTrue(stats.contains("STAT curr_items 1\r\n"), stats);
        assertTrue(stats.contains("STAT bytes_read 60\r\n"), "30 + 7 + 16 + 7 bytes sent: " + stats);
        assertEquals("RESET\r\n", exchange(ch, "stats reset\r\n"));
        String after = exchange(ch, "stats\r\n");
        assertTrue(after.contains("STAT get_hits 0\r\n"), after);
        assertTrue(after.contains("STAT curr_items 1\r\n"), "items are not counters: " + after);
    }
}
