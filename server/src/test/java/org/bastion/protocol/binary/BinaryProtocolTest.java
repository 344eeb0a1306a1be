package org.bastion.protocol.binary;

import org.bastion.testing.BinaryFrames.Response;
import static org.bastion.testing.BinaryFrames.OPAQUE;
import static org.bastion.testing.BinaryFrames.ascii;
import static org.bastion.testing.BinaryFrames.concat;
import static org.bastion.testing.BinaryFrames.hex;
import static org.bastion.testing.BinaryFrames.incrExtras;
import static org.bastion.testing.BinaryFrames.int32;
import static org.bastion.testing.BinaryFrames.request;
import static org.bastion.testing.BinaryFrames.set;
import static org.bastion.testing.BinaryFrames.setExtras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bastion.config.Protocol;
import org.bastion.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.bastion.command.CommandExecutor;
import org.bastion.command.ServerControl;
import org.bastion.policy.Session;
import org.bastion.stats.Stats;
import org.bastion.store.Key;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;
import org.bastion.testing.TestServers;
import org.bastion.protocol.binary.BinaryCommandHandler;
import org.bastion.testing.BinaryFrames;

/**
 * The binary protocol on an {@link EmbeddedChannel}, driven through protocol detection exactly as a socket would be.
 * Expected bytes marked "memcached 1.6.18" were captured from Debian's memcached with the same request.
 */
class BinaryProtocolTest {
    private static final int MAX_ITEM = 1024 * 1024;

    private ManualClock clock;
    private Stats stats;
    private Store store;
    private Session session;
    private EmbeddedChannel channel;
    private TestServers.Parts parts;
    private Settings settings;

    @BeforeEach
    void setUp() {
        start(Settings.builder().port(0).maxItemSize(MAX_ITEM).build());
    }

    private void start(Settings s) {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        settings = s;
        clock = new ManualClock();
        parts = TestServers.parts(s, clock);
        stats = parts.stats;
        store = parts.store;
        session = Session.local();
        channel = new EmbeddedChannel(parts.detector(session));
    }

    /** Goes on with a fresh connection from a source in --read-only-from, on the same server. */
    private void reconnectReadOnly() {
        channel.finishAndReleaseAll();
        session = new Session(null, null, true);
        channel = new EmbeddedChannel(parts.detector(session));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    /** Sends bytes as one read batch and returns everything written back. */
    private byte[] exchange(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.runPendingTasks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) o;
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            buf.release();
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    private List<Response> send(byte[]... requests) {
        return BinaryFrames.parse(exchange(concat(requests)));
    }

    private Response one(byte[]... requests) {
        List<Response> rs = send(requests);
        assertEquals(1, rs.size(), "responses");
        return rs.get(0);
    }

    private static void assertError(Response r, int opcode, int status, String message) {
        assertEquals(0x81, r.magic());
        assertEquals(opcode, r.opcode());
        assertEquals(status, r.status());
        assertEquals(message, r.valueText());
        assertEquals(0, r.key().length);
        assertEquals(0, r.extras().length);
        assertEquals(OPAQUE, r.opaque());
        assertEquals(0, r.cas());
    }

    private Key key(String k) {
        return Key.of(k);
    }

    // ---- fixtures captured from memcached 1.6.18 ----

    @Test
    void getMissIsNotFoundWithMemcachedsBytes() {
        // memcached 1.6.18
        assertEquals("810000000000000100000009deadbeef00000000000000004e6f7420666f756e64",
                hex(exchange(request(0x00, "nokey"))));
    }

    @Test
    void setThenGetWithMemcachedsBytes() {
        byte[] out = exchange(concat(set(0x01, "k1", 5, 0, "hello", 0), request(0x00, "k1"), request(0x0c, "k1")));
        // memcached 1.6.18 (CAS 1 on a fresh server)
        assertEquals("810100000000000000000000deadbeef0000000000000001"
                + "810000000400000000000009deadbeef00000000000000010000000568656c6c6f"
                + "810c0002040000000000000bdeadbeef0000000000000001000000056b3168656c6c6f",
                hex(out));
    }

    @Test
    void getkMissEchoesTheKeyWithoutAMessage() {
        // memcached 1.6.18: status 1, key "nokey", no body beyond the key
        assertEquals("810c00050000000100000005deadbeef00000000000000006e6f6b6579", hex(exchange(request(0x0c, "nokey"))));
    }

    @Test
    void versionAndNoop() {
        assertEquals("810b00000000000000000006deadbeef0000000000000000312e362e3138"
                + "810a00000000000000000000deadbeef0000000000000000",
                hex(exchange(concat(request(0x0b), request(0x0a)))));
    }

    // ---- retrieval ----

    @Test
    void quietGetsAnswerOnlyHits() {
        send(set(0x01, "hit", 9, 0, "v", 0));
        List<Response> rs = send(request(0x09, "miss"), request(0x0d, "miss"), request(0x09, "hit"),
                request(0x0d, "hit"), request(0x0a));
        assertEquals(3, rs.size());
        assertEquals(0x09, rs.get(0).opcode());
        assertEquals("v", rs.get(0).valueText());
        assertEquals(9, rs.get(0).flags());
        assertEquals(0, rs.get(0).key().length);
        assertEquals(0x0d, rs.get(1).opcode());
        assertEquals("hit", rs.get(1).keyText());
        assertEquals(0x0a, rs.get(2).opcode());
    }

    @Test
    void touchGatAndGatk() {
        Response stored = one(set(0x01, "t", 7, 0, "vv", 0));
        byte[] ttl = int32(100);
        List<Response> rs = send(request(0x1c, "t", ttl, new byte[0]), request(0x1d, "t", ttl, new byte[0]),
                request(0x23, "t", ttl, new byte[0]), request(0x1e, "t", ttl, new byte[0]),
                request(0x24, "t", ttl, new byte[0]));
        assertEquals(5, rs.size());
        // Touch: flags, no key, no value; the CAS is unchanged by touching.
        assertEquals(7, rs.get(0).flags());
        assertEquals(0, rs.get(0).value().length);
        assertEquals(stored.cas(), rs.get(0).cas());
        assertEquals("vv", rs.get(1).valueText());
        assertEquals(0, rs.get(1).key().length);
        assertEquals("t", rs.get(2).keyText());
        assertEquals("vv", rs.get(2).valueText());
        assertEquals("vv", rs.get(3).valueText());
        assertEquals("t", rs.get(4).keyText());
        clock.advance(101, TimeUnit.SECONDS);
        assertError(one(request(0x00, "t")), 0x00, 1, "Not found");
    }

    @Test
    void touchMisses() {
        byte[] ttl = int32(10);
        List<Response> rs = send(request(0x1c, "z", ttl, new byte[0]), request(0x1d, "z", ttl, new byte[0]),
                request(0x23, "z", ttl, new byte[0]), request(0x1e, "z", ttl, new byte[0]),
                request(0x24, "z", ttl, new byte[0]), request(0x0a));
        assertEquals(4, rs.size());
        assertError(rs.get(0), 0x1c, 1, "Not found");
        assertError(rs.get(1), 0x1d, 1, "Not found");
        assertEquals(0x23, rs.get(2).opcode());
        assertEquals(1, rs.get(2).status());
        assertEquals("z", rs.get(2).keyText());
        assertEquals(0, rs.get(2).value().length);
        assertEquals(0x0a, rs.get(3).opcode());
    }

    // ---- storage ----

    @Test
    void storageStatusesAsMemcached() {
        send(set(0x01, "a", 1, 0, "x", 0));
        List<Response> rs = send(set(0x02, "a", 1, 0, "y", 0), set(0x12, "a", 1, 0, "y", 0),
                set(0x03, "m", 1, 0, "y", 0), set(0x13, "m", 1, 0, "y", 0),
                request(0x0e, "m", new byte[0], ascii("y")), request(0x0f, "m", new byte[0], ascii("y")),
                request(0x1a, "m", new byte[0], ascii("y")));
        assertError(rs.get(0), 0x02, 2, "Data exists for key.");
        assertError(rs.get(1), 0x12, 2, "Data exists for key.");
        assertError(rs.get(2), 0x03, 1, "Not found");
        assertError(rs.get(3), 0x13, 1, "Not found");
        assertError(rs.get(4), 0x0e, 5, "Not stored.");
        assertError(rs.get(5), 0x0f, 5, "Not stored.");
        assertError(rs.get(6), 0x1a, 5, "Not stored.");
        assertEquals(7, rs.size());
    }

    @Test
    void quietStorageIsSilentOnSuccess() {
        List<Response> rs = send(set(0x11, "q", 1, 0, "x", 0), set(0x12, "q2", 1, 0, "x", 0),
                set(0x13, "q", 2, 0, "y", 0), request(0x19, "q", new byte[0], ascii("A")),
                request(0x1a, "q", new byte[0], ascii("B")), request(0x14, "q2"), request(0x0a));
        assertEquals(1, rs.size());
        assertEquals(0x0a, rs.get(0).opcode());
        assertEquals("ByA", new String(store.get(key("q")).value));
        assertEquals(2, store.get(key("q")).flags);
        assertNull(store.get(key("q2")));
    }

    @Test
    void casInTheHeader() {
        long cas = one(set(0x01, "c", 3, 0, "AB", 0)).cas();
        assertNotEquals(0, cas);
        assertError(one(set(0x01, "c", 3, 0, "X", cas + 100)), 0x01, 2, "Data exists for key.");
        assertError(one(set(0x01, "missing", 3, 0, "X", 7)), 0x01, 1, "Not found");
        // Add and replace with a CAS are compare-and-swaps too (memcached turns them into NREAD_CAS).
        assertError(one(set(0x02, "c", 3, 0, "X", cas + 100)), 0x02, 2, "Data exists for key.");
        assertError(one(set(0x02, "missing", 3, 0, "X", 7)), 0x02, 1, "Not found");
        Response appended = one(request(0x0e, ascii("c"), new byte[0], ascii("CD"), cas, OPAQUE));
        assertEquals(0, appended.status());
        assertTrue(appended.cas() > cas);
        assertError(one(request(0x0f, ascii("c"), new byte[0], ascii("_"), cas, OPAQUE)), 0x0f, 2,
                "Data exists for key.");
        assertError(one(request(0x0e, ascii("missing"), new byte[0], ascii("y"), 7, OPAQUE)), 0x0e, 5, "Not stored.");
        Response replaced = one(set(0x03, "c", 9, 0, "R", appended.cas()));
        assertEquals(0, replaced.status());
        Response got = one(request(0x00, "c"));
        assertEquals("R", got.valueText());
        assertEquals(9, got.flags());
        assertEquals(replaced.cas(), got.cas());
    }

    @Test
    void deleteWithAndWithoutCas() {
        long cas = one(set(0x01, "d", 0, 0, "x", 0)).cas();
        assertError(one(request(0x04, ascii("d"), new byte[0], new byte[0], cas + 1, OPAQUE)), 0x04, 2,
                "Data exists for key.");
        Response deleted = one(request(0x04, ascii("d"), new byte[0], new byte[0], cas, OPAQUE));
        assertEquals(0, deleted.status());
        assertEquals(0, deleted.cas());
        assertError(one(request(0x04, "d")), 0x04, 1, "Not found");
        assertError(one(request(0x14, "d")), 0x14, 1, "Not found");
        send(set(0x01, "d", 0, 0, "x", 0));
        assertEquals(0, exchange(request(0x14, "d")).length);
        assertNull(store.get(key("d")));
    }

    // ---- counters ----

    @Test
    void incrementAndDecrementAsMemcached() {
        List<Response> rs = send(request(0x05, "n", incrExtras(5, 10, 0), new byte[0]),
                request(0x05, "n", incrExtras(5, 10, 0), new byte[0]),
                request(0x06, "n", incrExtras(100, 10, 0), new byte[0]),
                request(0x05, "nn", incrExtras(5, 10, -1), new byte[0]),
                request(0x16, "n2", incrExtras(1, 0, -1), new byte[0]),
                request(0x15, "n", incrExtras(1, 0, 0), new byte[0]),
                request(0x0a));
        assertEquals(10, rs.get(0).valueAsLong(), "a miss creates the counter with the initial value");
        assertNotEquals(0, rs.get(0).cas());
        assertEquals(15, rs.get(1).valueAsLong());
        assertEquals(0, rs.get(2).valueAsLong(), "decr stops at 0");
        assertError(rs.get(3), 0x05, 1, "Not found");
        assertError(rs.get(4), 0x16, 1, "Not found");
        assertEquals(0x0a, rs.get(5).opcode(), "incrq answers nothing on success");
        assertEquals(6, rs.size());
        // memcached keeps the old length, padding with spaces: "15" decremented to "0 ", then incremented to "1 ".
        assertEquals("1 ", new String(store.get(key("n")).value));
    }

    @Test
    void incrementWrapsAndChecksCas() {
        send(request(0x05, "w", incrExtras(1, -1L, 0), new byte[0]));
        Response wrapped = one(request(0x05, "w", incrExtras(1, 0, 0), new byte[0]));
        assertEquals(0, wrapped.valueAsLong());
        assertError(one(request(0x05, ascii("w"), incrExtras(1, 0, 0), new byte[0], wrapped.cas() + 5, OPAQUE)),
                0x05, 2, "Data exists for key.");
        Response ok = one(request(0x05, ascii("w"), incrExtras(1, 0, 0), new byte[0], wrapped.cas(), OPAQUE));
        assertEquals(1, ok.valueAsLong());
    }

    @Test
    void nonNumericValueIsDeltaBadval() {
        send(set(0x01, "s", 0, 0, "abc", 0));
        assertError(one(request(0x05, "s", incrExtras(1, 0, 0), new byte[0])), 0x05, 6,
                "Non-numeric server-side value for incr or decr");
        assertError(one(request(0x16, "s", incrExtras(1, 0, 0), new byte[0])), 0x16, 6,
                "Non-numeric server-side value for incr or decr");
    }

    // ---- admin ----

    @Test
    void flushWithAndWithoutDelay() {
        send(set(0x01, "f", 0, 0, "x", 0));
        Response flushed = one(request(0x08));
        assertEquals(0, flushed.status());
        assertNull(store.get(key("f")));
        send(set(0x01, "f", 0, 0, "x", 0));
        assertEquals(0, exchange(request(0x18, "", int32(10), new byte[0])).length, "flushq is silent");
        assertEquals("x", new String(store.get(key("f")).value));
        clock.advance(11, TimeUnit.SECONDS);
        assertNull(store.get(key("f")), "the delayed flush took effect");
    }

    @Test
    void flushDisabledIsAuthError() {
        start(Settings.builder().port(0).flushAllDisabled(true).build());
        send(set(0x01, "f", 0, 0, "x", 0));
        assertError(one(request(0x08)), 0x08, 0x20, "Auth failure.");
        assertError(one(request(0x18)), 0x18, 0x20, "Auth failure.");
        assertEquals("x", new String(store.get(key("f")).value));
    }

    @Test
    void quitAnswersThenCloses() {
        List<Response> rs = send(request(0x07), request(0x0a));
        assertEquals(1, rs.size());
        assertEquals(0x07, rs.get(0).opcode());
        assertFalse(channel.isOpen());
    }

    @Test
    void quitqClosesSilently() {
        assertEquals(0, exchange(concat(request(0x17), request(0x0a))).length);
        assertFalse(channel.isOpen());
    }

    @Test
    void statGroupsAsPacketsWithATerminator() {
        List<Response> rs = send(request(0x10));
        Response last = rs.get(rs.size() - 1);
        assertEquals(0, last.key().length);
        assertEquals(0, last.value().length);
        assertEquals("pid", rs.get(0).keyText());
        assertTrue(rs.stream().anyMatch(r -> r.keyText().equals("version") && r.valueText().equals("1.6.18")));
        assertTrue(rs.stream().allMatch(r -> r.opcode() == 0x10 && r.opaque() == OPAQUE && r.status() == 0));
        List<Response> settingsStats = send(request(0x10, "settings"));
        assertTrue(settingsStats.stream().anyMatch(r -> r.keyText().equals("item_size_max")
                && r.valueText().equals(String.valueOf(MAX_ITEM))));
        send(set(0x01, "k", 0, 0, "x", 0));
        assertTrue(stats.cmdSet.sum() > 0);
        List<Response> reset = send(request(0x10, "reset"));
        assertEquals(1, reset.size(), "reset answers only the terminator");
        assertEquals(0, stats.cmdSet.sum());
        assertError(one(request(0x10, "bogus")), 0x10, 1, "Not found");
    }

    @Test
    void verbositySetsTheLevel() {
        Response r = one(request(0x1b, "", int32(2), new byte[0]));
        assertEquals(0, r.status());
        assertEquals(0, r.value().length);
        assertEquals(2, parts.control.verbosity);
    }

    @Test
    void saslAnswersAsAServerWithoutSasl() {
        // memcached 1.6.18 without -S: Unknown command for all three, connection kept.
        List<Response> rs = send(request(0x20), request(0x21, "PLAIN", new byte[0], ascii("\0u\0p")),
                request(0x22, "PLAIN", new byte[0], ascii("xx")), request(0x0a));
        assertError(rs.get(0), 0x20, 0x81, "Unknown command");
        assertError(rs.get(1), 0x21, 0x81, "Unknown command");
        assertError(rs.get(2), 0x22, 0x81, "Unknown command");
        assertEquals(0x0a, rs.get(3).opcode());
        assertTrue(channel.isOpen());
    }

    @Test
    void unknownOpcodeKeepsTheConnection() {
        List<Response> rs = send(request(0x50, "", new byte[0], ascii("abcd")), request(0x3e), request(0x0a));
        assertError(rs.get(0), 0x50, 0x81, "Unknown command");
        assertError(rs.get(1), 0x3e, 0x81, "Unknown command");
        assertEquals(0x0a, rs.get(2).opcode());
        assertTrue(channel.isOpen());
    }

    // ---- errors that close ----

    @Test
    void malformedRequestsAreInvalidArgumentsAndClose() {
        byte[][] malformed = {
            request(0x00, "k", int32(1), new byte[0]),          // get with extras
            request(0x00),                                      // get without key
            request(0x01, "k", new byte[0], ascii("v")),        // set without extras
            request(0x0a, "", new byte[0], ascii("x")),         // noop with a body
            request(0x0b, "", new byte[0], ascii("x")),         // version with a body
            request(0x05, "k", new byte[8], new byte[0]),       // incr with short extras
            request(0x1c, "k"),                                 // touch without expiry
            request(0x08, "", new byte[3], new byte[0]),        // flush with odd extras
            request(0x0e, "k", setExtras(0, 0), ascii("x")),    // append with extras
            request(0x04, "k", new byte[0], ascii("x")),        // delete with a value
            request(0x10, "", int32(1), new byte[0]),           // stat with extras
            request(0x07, "", new byte[0], ascii("x")),         // quit with a body
            request(0x20, "", new byte[0], ascii("x")),         // sasl list with a body
            request(0x21, "", new byte[0], ascii("x")),         // sasl auth without mechanism
            request(0x1b),                                      // verbosity without level
            request(0x00, "k".repeat(251)),                     // key over 250 bytes
        };
        for (byte[] m : malformed) {
            start(settings);
            List<Response> rs = send(m, request(0x0a));
            assertEquals(1, rs.size(), "only the error, then close: " + hex(m));
            assertError(rs.get(0), m[1] & 0xFF, 4, "Invalid arguments");
            assertFalse(channel.isOpen());
        }
    }

    @Test
    void keyAndExtrasLongerThanTheBodyIsUnknownCommandAndClose() {
        byte[] bad = BinaryFrames.request(0x80, 0x00, ascii("kk"), new byte[0], new byte[0], 0, OPAQUE, 1);
        List<Response> rs = send(bad);
        assertEquals(1, rs.size());
        assertEquals(0x81, rs.get(0).status());
        assertEquals("Unknown command", rs.get(0).valueText());
        assertFalse(channel.isOpen());
    }

    @Test
    void badMagicAfterTheFirstRequestClosesSilently() {
        byte[] bad = request(0x0a);
        bad[0] = (byte) 0x81;
        List<Response> rs = send(request(0x0a), bad, request(0x0a));
        assertEquals(1, rs.size());
        assertFalse(channel.isOpen());
    }

    // ---- size limit ----

    @Test
    void valueOverTheLimitIsE2bigAndTheStreamStaysAligned() {
        send(set(0x01, "big", 0, 0, "small", 0));
        byte[] huge = new byte[MAX_ITEM + 1];
        Arrays.fill(huge, (byte) 'x');
        List<Response> rs = send(request(0x01, ascii("big"), setExtras(0, 0), huge, 0, OPAQUE),
                request(0x00, "big"),
                request(0x11, ascii("q"), setExtras(0, 0), new byte[2 * MAX_ITEM], 0, OPAQUE),
                request(0x0e, ascii("big"), new byte[0], huge, 0, OPAQUE),
                request(0x0a));
        assertError(rs.get(0), 0x01, 3, "Too large.");
        assertError(rs.get(1), 0x00, 1, "Not found");   // a failed set drops the old value, as memcached does
        assertError(rs.get(2), 0x11, 3, "Too large.");  // quiet or not, errors are sent
        assertError(rs.get(3), 0x0e, 3, "Too large.");
        assertEquals(0x0a, rs.get(4).opcode());
        assertEquals(5, rs.size());
        assertTrue(channel.isOpen());
        assertEquals(3, stats.storeTooLarge.sum());
    }

    @Test
    void oversizedValueArrivingInPiecesIsDroppedNotBuffered() {
        byte[] huge = new byte[3 * MAX_ITEM];
        byte[] packet = concat(request(0x01, ascii("big"), setExtras(0, 0), huge, 0, OPAQUE), request(0x0a));
        ByteArrayOutputStream replies = new ByteArrayOutputStream();
        for (int at = 0; at < packet.length; at += 64 * 1024) {
            replies.writeBytes(exchange(Arrays.copyOfRange(packet, at, Math.min(packet.length, at + 64 * 1024))));
        }
        List<Response> rs = BinaryFrames.parse(replies.toByteArray());
        assertEquals(2, rs.size());
        assertEquals(3, rs.get(0).status());
        assertEquals(0x0a, rs.get(1).opcode());
    }

    @Test
    void valueAtTheLimitIsStored() {
        byte[] value = new byte[MAX_ITEM];
        Arrays.fill(value, (byte) 'v');
        Response r = one(request(0x01, ascii("max"), setExtras(0, 0), value, 0, OPAQUE));
        assertEquals(0, r.status());
        assertArrayEquals(value, one(request(0x00, "max")).value());
    }

    @Test
    void outOfMemoryWithEvictionsOffIsEnomem() {
        start(Settings.builder().port(0).memoryLimitMegabytes(2).maxItemSize(1024 * 1024).evictionsDisabled(true)
                .build());
        byte[] value = new byte[900 * 1024];
        assertEquals(0, one(request(0x01, ascii("a"), setExtras(0, 0), value, 0, OPAQUE)).status());
        assertEquals(0, one(request(0x01, ascii("b"), setExtras(0, 0), value, 0, OPAQUE)).status());
        assertError(one(request(0x01, ascii("c"), setExtras(0, 0), value, 0, OPAQUE)), 0x01, 0x82, "Out of memory");
    }

    // ---- policy ----

    @Test
    void readOnlySourceGetsAuthErrorForEveryMutationAndNothingChanges() {
        send(set(0x01, "k", 1, 0, "v", 0), set(0x01, "n", 0, 0, "5", 0));
        reconnectReadOnly();
        byte[] huge = new byte[MAX_ITEM + 1];
        byte[][] mutations = {
            set(0x01, "k", 1, 0, "w", 0), set(0x11, "k", 1, 0, "w", 0), set(0x02, "new", 1, 0, "w", 0),
            set(0x03, "k", 1, 0, "w", 0), request(0x0e, "k", new byte[0], ascii("w")),
            request(0x1a, "k", new byte[0], ascii("w")), request(0x04, "k"), request(0x14, "k"),
            request(0x05, "n", incrExtras(1, 0, 0), new byte[0]), request(0x16, "n", incrExtras(1, 0, 0), new byte[0]),
            request(0x1c, "k", int32(1), new byte[0]), request(0x1d, "k", int32(1), new byte[0]),
            request(0x24, "k", int32(1), new byte[0]), request(0x08), request(0x18),
            request(0x01, ascii("k"), setExtras(0, 0), huge, 0, OPAQUE),
        };
        for (byte[] m : mutations) {
            assertError(one(m), m[1] & 0xFF, 0x20, "Auth failure.");
        }
        Response got = one(request(0x00, "k"));
        assertEquals("v", got.valueText());
        assertEquals("5", new String(store.get(key("n")).value));
        assertNull(store.get(key("new")));
        clock.advance(5, TimeUnit.SECONDS);
        assertEquals("v", one(request(0x00, "k")).valueText(), "touch did not shorten the expiry");
        assertTrue(channel.isOpen());
    }

    // ---- ordering and batching ----

    @Test
    void pipelinedRepliesKeepOrderAndOpaque() {
        byte[][] batch = new byte[50][];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = i % 2 == 0
                    ? request(0x01, ascii("k" + i), setExtras(i, 0), ascii("v" + i), 0, i)
                    : request(0x00, ascii("k" + (i - 1)), new byte[0], new byte[0], 0, i);
        }
        List<Response> rs = send(batch);
        assertEquals(batch.length, rs.size());
        for (int i = 0; i < rs.size(); i++) {
            assertEquals(i, rs.get(i).opaque());
            if (i % 2 == 1) {
                assertEquals("v" + (i - 1), rs.get(i).valueText());
                assertEquals(i - 1, rs.get(i).flags());
            }
        }
    }

    @Test
    void requestSplitAcrossReadsIsExecutedOnceComplete() {
        byte[] packet = set(0x01, "split", 0, 0, "value", 0);
        assertEquals(0, exchange(Arrays.copyOfRange(packet, 0, 10)).length);
        assertEquals(0, exchange(Arrays.copyOfRange(packet, 10, 30)).length);
        Response r = BinaryFrames.parse(exchange(Arrays.copyOfRange(packet, 30, packet.length))).get(0);
        assertEquals(0, r.status());
        assertEquals("value", new String(store.get(key("split")).value));
    }

    @Test
    void partialRequestsAreVisibleForTheRequestTimeout() {
        byte[] packet = set(0x01, "slow", 0, 0, "value", 0);
        exchange(Arrays.copyOfRange(packet, 0, 10));
        BinaryCommandHandler handler = channel.pipeline().get(BinaryCommandHandler.class);
        assertTrue(handler.hasPartialRequest(), "half a header");
        exchange(Arrays.copyOfRange(packet, 10, packet.length - 1));
        assertTrue(handler.hasPartialRequest(), "all but the last value byte");
        exchange(Arrays.copyOfRange(packet, packet.length - 1, packet.length));
        assertFalse(handler.hasPartialRequest());
        byte[] huge = request(0x01, ascii("big"), setExtras(0, 0), new byte[MAX_ITEM + 100], 0, OPAQUE);
        exchange(Arrays.copyOfRange(huge, 0, 1000));
        assertTrue(handler.hasPartialRequest(), "an oversized value still arriving");
        exchange(Arrays.copyOfRange(huge, 1000, huge.length));
        assertFalse(handler.hasPartialRequest());
    }

    @Test
    void bytesAreCounted() {
        byte[] req = set(0x01, "k", 0, 0, "v", 0);
        send(req);
        assertEquals(req.length, stats.bytesRead.sum());
        assertEquals(24, stats.bytesWritten.sum());
    }

    // ---- detection ----

    @Test
    void asciiPinnedTreatsBinaryBytesAsText() {
        start(Settings.builder().port(0).protocol(Protocol.ASCII).build());
        // memcached 1.6.18 -B ascii: the noop header holds a '\n' (opcode 0x0a), so the bytes before it are a line.
        assertEquals("ERROR\r\n", new String(exchange(request(0x0a))));
    }

    @Test
    void binaryPinnedClosesOnTextAtOnce() {
        start(Settings.builder().port(0).protocol(Protocol.BINARY).build());
        // memcached waits for a 24-byte header before it checks the magic and closes; the first byte already tells
        // (issue 15 item 13), so Bastion closes without waiting for more.
        assertEquals(0, exchange(ascii("version\r\n")).length);
        assertFalse(channel.isOpen());
    }

    @Test
    void autoDetectsTextWhenTheFirstByteIsNot0x80() {
        assertEquals("VERSION 1.6.18\r\n", new String(exchange(ascii("version\r\n"))));
    }
}
