package org.bastion.protocol.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.bastion.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.bastion.testing.TestServers;
import org.bastion.command.ServerControl;
import org.bastion.policy.Session;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.stats.Stats;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;

/** Byte fixtures for every meta command, flag and error, as memcached 1.6.18 answers them. */
class MetaCommandsTest {
    private final ManualClock clock = new ManualClock();
    private Stats stats;
    private TestServers.Parts parts;
    private Session session;
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        Settings settings = Settings.builder().maxItemSize(1024 * 1024).build();
        parts = TestServers.parts(settings, clock);
        stats = parts.stats;
        session = Session.local();
        channel = new EmbeddedChannel(parts.text(session));
    }

    /** Goes on with a fresh connection from a source in --read-only-from, on the same server. */
    private void reconnectReadOnly() {
        channel.finishAndReleaseAll();
        session = new Session(null, null, true);
        channel = new EmbeddedChannel(parts.text(session));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    /** Sends the bytes (possibly split) and returns everything the handler answered. */
    private String send(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        return drain();
    }

    private String drain() {
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    private long cas(String key) {
        String r = send("mg " + key + " c\r\n");
        return Long.parseLong(r.substring(r.indexOf(" c") + 2).trim());
    }

    @Test
    void noopAndUnknownMetaCommands() {
        assertEquals("MN\r\n", send("mn\r\n"));
        assertEquals("MN\r\n", send("mn foo bar\r\n"));
        assertEquals("ERROR\r\n", send("mz\r\n"));
        assertEquals("ERROR\r\nERROR\r\nERROR\r\nERROR\r\n", send("mg\r\nms\r\nmd\r\nma\r\n"));
        assertEquals("CLIENT_ERROR bad command line format\r\n", send("me\r\n"));
    }

    @Test
    void getMissHitAndReturnedFields() {
        assertEquals("EN\r\n", send("mg foo v\r\n"));
        assertEquals("HD\r\n", send("ms foo 2 F5 T100\r\nhi\r\n"));
        long cas = cas("foo");
        assertEquals("VA 2 s2 f5 t100 c" + cas + " h1 l0 kfoo Oabc\r\nhi\r\n",
                send("mg foo s v f t c h l k Oabc q\r\n"));
        assertEquals("HD\r\n", send("mg foo\r\n"));
        clock.advance(3, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("HD t97 l3\r\n", send("mg foo t l u\r\n"));
        assertEquals("HD l3\r\n", send("mg foo l\r\n"));
        assertEquals("HD l0\r\n", send("mg foo l\r\n"));
    }

    @Test
    void hitBeforeReflectsStateBeforeTheCommandAndUSkipsTheBump() {
        send("ms h 1\r\nx\r\n");
        assertEquals("HD h0\r\n", send("mg h h u\r\n"));
        assertEquals("HD h0\r\n", send("mg h h\r\n"));
        assertEquals("HD h1\r\n", send("mg h h\r\n"));
    }

    @Test
    void missEchoesOpaqueAndKeyAndQuietSuppressesIt() {
        assertEquals("EN kmiss Oab\r\n", send("mg miss k Oab\r\n"));
        assertEquals("MN\r\n", send("mg miss k Oab q\r\nmg other q v\r\nmn\r\n"));
    }

    @Test
    void base64Keys() {
        assertEquals("HD kYmFy b c1\r\n", send("ms YmFy 2 b k c\r\nxx\r\n"));
        assertEquals("VA 2 kYmFy b\r\nxx\r\n", send("mg bar v k\r\n"));
        assertEquals("VA 2 kYmFy b\r\nxx\r\n", send("mg YmFy b v k\r\n"));
        assertEquals("CLIENT_ERROR error decoding key\r\n", send("mg Zm9 b\r\n"));
        assertEquals("CLIENT_ERROR error decoding key\r\n", send("mg ==== b\r\n"));
        assertEquals("EN kZm9v b\r\n", send("mg Zm9v b k\r\n"));
        send("set foo 0 0 1\r\nz\r\n");
        // An item stored with a plain key is echoed plain even when asked for in base64.
        assertEquals("HD kfoo\r\n", send("mg Zm9v b k\r\n"));
    }

    @Test
    void flagErrors() {
        assertEquals("CLIENT_ERROR invalid flag\r\n", send("mg foo Z\r\n"));
        assertEquals("CLIENT_ERROR duplicate flag\r\n", send("mg foo v v\r\n"));
        assertEquals("CLIENT_ERROR duplicate flag\r\n", send("mg foo \u00c3\r\n"));
        assertEquals("CLIENT_ERROR bad token in command line format\r\n", send("mg foo Tx\r\n"));
        assertEquals("CLIENT_ERROR bad token in command line format\r\n", send("mg foo N\r\n"));
        assertEquals("CLIENT_ERROR bad token in command line format\r\n", send("mg foo Rz\r\n"));
        assertEquals("CLIENT_ERROR bad command line format\r\n", send("mg foo F1x\r\n"));
        assertEquals("CLIENT_ERROR invalid flag\r\n", send("mg foo Tx Z\r\n"));
        assertEquals("CLIENT_ERROR error decoding key\r\n", send("mg foo Nx b\r\n"));
        assertEquals("CLIENT_ERROR opaque token too long\r\n", send("mg foo O" + "a".repeat(32) + "\r\n"));
        assertEquals("EN O" + "a".repeat(31) + "\r\n", send("mg foo O" + "a".repeat(31) + "\r\n"));
        assertEquals("CLIENT_ERROR bad command line format\r\n", send("mg " + "k".repeat(251) + " v\r\n"));
        assertEquals("CLIENT_ERROR options flags are too long\r\n", send("mg foo" + " P".repeat(18) + "\r\n"));
        assertEquals("CLIENT_ERROR duplicate flag\r\n", send("mg foo" + " P".repeat(17) + "\r\n"));
        assertEquals("CLIENT_ERROR invalid or duplicate flag\r\n", send("md foo Z\r\n"));
        assertEquals("CLIENT_ERROR invalid or duplicate flag\r\n", send("ma foo Dx\r\n"));
        assertEquals("CLIENT_ERROR options flags too long\r\n", send("md foo" + " P".repeat(18) + "\r\n"));
    }

    @Test
    void setErrorsSwallowTheDataBlock() {
        assertEquals("CLIENT_ERROR bad command line format\r\n", send("ms a\r\n"));
        assertEquals("CLIENT_ERROR bad command line format\r\n", send("ms a b\r\n"));
        assertEquals("CLIENT_ERROR bad command line format\r\n", send("ms a -1\r\n"));
        assertEquals("CLIENT_ERROR invalid mode for ms M token\r\nMN\r\n", send("ms a 2 MX\r\nhi\r\nmn\r\n"));
        assertEquals("CLIENT_ERROR incorrect length for M token\r\nMN\r\n", send("ms a 2 MXY\r\nhi\r\nmn\r\n"));
        assertEquals("CLIENT_ERROR invalid flag\r\nMN\r\n", send("ms a 2 Z\r\nhi\r\nmn\r\n"));
        assertEquals("CLIENT_ERROR duplicate flag\r\nMN\r\n", send("ms a 2 c c\r\nhi\r\nmn\r\n"));
        assertEquals("CLIENT_ERROR bad command line format\r\nMN\r\n", send("ms a 2 Fabc\r\nhi\r\nmn\r\n"));
        assertEquals("CLIENT_ERROR bad token in command line format\r\nMN\r\n", send("ms a 2 Cabc\r\nhi\r\nmn\r\n"));
        assertEquals("CLIENT_ERROR opaque token too long\r\nMN\r\n",
                send("ms a 2 q O" + "x".repeat(40) + "\r\nhi\r\nmn\r\n"));
        assertEquals("CLIENT_ERROR bad data chunk\r\nERROR\r\n", send("ms a 3\r\nhi\r\nmn\r\n"));
        assertEquals("CLIENT_ERROR options flags too long\r\nERROR\r\nMN\r\n",
                send("ms a 1" + " P".repeat(17) + "\r\nhi\r\nmn\r\n"));
        assertEquals("SERVER_ERROR object too large for cache\r\nMN\r\n",
                send("ms a 2000000 T0\r\n" + "v".repeat(2_000_000) + "\r\nmn\r\n"));
        assertEquals("EN\r\n", send("mg a\r\n"));
    }

    @Test
    void setModesAndCas() {
        assertEquals("NS\r\n", send("ms k 2 MR q\r\nhi\r\n"));
        assertEquals("NS\r\n", send("ms k 2 MA\r\nhi\r\n"));
        assertEquals("NF\r\n", send("ms k 2 C5\r\nhi\r\n"));
        assertEquals("", send("ms k 2 ME q\r\nhi\r\n"));
        assertEquals("NS\r\n", send("ms k 2 ME\r\nhi\r\n"));
        assertEquals("HD\r\n", send("ms k 2 MP\r\n<<\r\n"));
        assertEquals("HD\r\n", send("ms k 2 MA\r\n>>\r\n"));
        assertEquals("VA 6\r\n<<hi>>\r\n", send("mg k v\r\n"));
        long cas = cas("k");
        assertEquals("EX c0\r\n", send("ms k 1 C" + (cas + 1) + " c\r\nx\r\n"));
        assertEquals("EX\r\n", send("ms k 1 MA C" + (cas + 1) + "\r\nx\r\n"));
        assertEquals("HD c" + (cas + 1) + "\r\n", send("ms k 1 C" + cas + " c MS\r\nx\r\n"));
        assertEquals("HD c777\r\n", send("ms k 1 E777 c\r\ny\r\n"));
        assertEquals("HD c777\r\n", send("mg k c\r\n"));
        assertEquals("NS\r\n", send("ms k 1 C777 ME\r\nz\r\n"));
    }

    @Test
    void vivifyRecacheAndWinTokens() {
        assertEquals("VA 0 s0 t30 knk W\r\n\r\n", send("mg nk s v N30 t k\r\n"));
        assertEquals("VA 0 s0 t30 Z\r\n\r\n", send("mg nk s v N30 t\r\n"));
        assertEquals("HD\r\n", send("ms nk 3 T60\r\nnew\r\n"));
        assertEquals("VA 3 t60\r\nnew\r\n", send("mg nk v t\r\n"));
        send("ms r 2 T100\r\nhi\r\n");
        assertEquals("HD t100\r\n", send("mg r R30 t\r\n"));
        assertEquals("HD t100 W\r\n", send("mg r R200 t\r\n"));
        assertEquals("HD t100 Z\r\n", send("mg r R200 t\r\n"));
    }

    @Test
    void invalidateMarksStaleAndOlderCasStoresStale() {
        send("ms s 2 T100\r\nhi\r\n");
        long before = cas("s");
        assertEquals("HD\r\n", send("md s I T30\r\n"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("VA 2 c(\\d+) t30 X W\r\nhi\r\n")
                .matcher(send("mg s c t v\r\n"));
        assertEquals(true, m.matches());
        long after = Long.parseLong(m.group(1));
        assertEquals(true, after > before);
        assertEquals("VA 2 t30 Z X\r\nhi\r\n", send("mg s t v\r\n"));
        assertEquals("EX\r\n", send("ms s 2 C" + (after + 100) + " I\r\nyo\r\n"));
        assertEquals("HD\r\n", send("ms s 2 C1 I T0\r\nyo\r\n"));
        assertEquals("VA 2 t30 Z X\r\nyo\r\n", send("mg s t v\r\n"));
        assertEquals("HD\r\n", send("ms s 2 I\r\nzz\r\n"));
        assertEquals("VA 2\r\nzz\r\n", send("mg s v\r\n"));
        send("ms s2 2\r\nhi\r\n");
        send("md s2 I\r\n");
        assertEquals("HD X W\r\n", send("mg s2\r\n"));
    }

    @Test
    void deleteCasQuietAndRemoveValue() {
        assertEquals("NF\r\nNF knokey Oab\r\nMN\r\n", send("md nokey q\r\nmd nokey k Oab q\r\nmn\r\n"));
        send("ms d 2 F3\r\nhi\r\n");
        long cas = cas("d");
        assertEquals("EX\r\n", send("md d C" + (cas + 1) + "\r\n"));
        assertEquals("HD\r\n", send("md d x\r\n"));
        assertEquals("VA 0 f3\r\n\r\n", send("mg d v f\r\n"));
        assertEquals("", send("md d q C" + cas("d") + "\r\n"));
        assertEquals("EN\r\n", send("mg d\r\n"));
        assertEquals("CLIENT_ERROR opaque token too long\r\n", send("md d O" + "a".repeat(40) + "\r\n"));
    }

    @Test
    void arithmetic() {
        assertEquals("NF\r\n", send("ma m\r\n"));
        assertEquals("VA 2 t-1\r\n10\r\n", send("ma m N0 J10 v t\r\n"));
        assertEquals("VA 2\r\n11\r\n", send("ma m v\r\n"));
        assertEquals("VA 1\r\n6\r\n", send("ma m MD D5 v\r\n"));
        assertEquals("VA 1\r\n0\r\n", send("ma m M- D50 v\r\n"));
        assertEquals("VA 20\r\n18446744073709551615\r\n", send("ma m M+ D18446744073709551615 v\r\n"));
        assertEquals("CLIENT_ERROR invalid mode for ma M token\r\n", send("ma m Mx\r\n"));
        assertEquals("CLIENT_ERROR invalid or duplicate flag\r\n", send("ma m Jx\r\n"));
        assertEquals("MN\r\n", send("ma m q\r\nma m q v\r\nmn\r\n"));
        assertEquals("HD t50\r\n", send("ma m T50 t\r\n"));
        send("set t 0 0 2\r\nab\r\n");
        assertEquals("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", send("ma t\r\n"));
        assertEquals("EX\r\n", send("ma t C1\r\n"));
        assertEquals("NF knokey Oxx\r\n", send("ma nokey k Oxx q\r\n"));
        send("set n 0 0 3\r\n100\r\n");
        assertEquals("VA 2\r\n99\r\n", send("ma n MD v\r\n"));
        assertEquals("VA 3\r\n99 \r\n", send("mg n v\r\n"));
        assertEquals("HD c500\r\n", send("ma n E500 c\r\n"));
    }

    @Test
    void debugShowsItemInternals() {
        assertEquals("EN\r\n", send("me e\r\n"));
        send("ms e 2 T100 F7\r\nhi\r\n");
        long cas = cas("e");
        assertEquals("ME e exp=-100 la=0 cas=" + cas + " fetch=yes cls=1 size=66\r\n", send("me e\r\n"));
        assertEquals("CLIENT_ERROR bad command line format\r\n", send("me e b\r\n"));
        send("ms ZW4= 200 b\r\n" + "a".repeat(200) + "\r\n");
        assertEquals("ME ZW4= exp=-1 la=0 cas=" + cas("ZW4= b") + " fetch=yes cls=6 size=261\r\n",
                send("me ZW4= b\r\n"));
        assertEquals(3, stats.cmdMeta.sum());
    }

    @Test
    void splitDataBlockAndPipelining() {
        channel.writeInbound(Unpooled.copiedBuffer("ms sp 5 T0\r\nhel", StandardCharsets.ISO_8859_1));
        assertEquals("", drain());
        assertEquals("HD\r\nVA 5\r\nhello\r\n", send("lo\r\nmg sp v\r\n"));
    }

    @Test
    void readOnlySessionsMayReadButNotWrite() {
        send("ms ro 2\r\nhi\r\n");
        reconnectReadOnly();
        String denied = "CLIENT_ERROR access denied\r\n";
        assertEquals(denied, send("ms ro 2\r\nyo\r\n"));
        assertEquals(denied, send("md ro\r\n"));
        assertEquals(denied, send("ma ro\r\n"));
        assertEquals(denied, send("mg ro T10\r\n"));
        assertEquals(denied, send("mg other N10\r\n"));
        assertEquals("VA 2\r\nhi\r\n", send("mg ro v\r\n"));
        assertEquals("MN\r\n", send("mn\r\n"));
    }

    @Test
    void statsCountMetaTraffic() {
        send("mg a\r\nms a 1\r\nx\r\nmg a\r\nmg a T10\r\nmd a\r\nmd a\r\nma c N0\r\nma c\r\nma z\r\n");
        assertEquals(2, stats.cmdGet.sum());
        assertEquals(1, stats.getHits.sum());
        assertEquals(1, stats.cmdTouch.sum());
        assertEquals(1, stats.cmdSet.sum());
        assertEquals(1, stats.deleteHits.sum());
        assertEquals(1, stats.deleteMisses.sum());
        assertEquals(1, stats.incrHits.sum());
        assertEquals(1, stats.incrMisses.sum());
    }

    @Test
    void explicitCasOnEveryWritingCommand() {
        assertEquals("HD c900\r\n", send("ms e 1 E900 c\r\nx\r\n"));
        assertEquals("HD\r\n", send("md e I E901\r\n"));
        assertEquals("HD c901 X W\r\n", send("mg e c\r\n"));
        assertEquals("HD c902 W\r\n", send("mg v N30 E902 c\r\n"));
        assertEquals("CLIENT_ERROR bad token in command line format\r\n", send("mg v Ex\r\n"));
    }

    /** Issue 15 item 6, its reproducer bytes: the flush cut-off is not expressed in client-chosen CAS values. */
    @Test
    void explicitCasDoesNotEscapeOrHideFromFlushAll() {
        assertEquals("HD\r\n", send("ms B1 1 E9223372036854775807\r\nx\r\n"));
        assertEquals("HD\r\n", send("ms B2 1 E18446744073709551615\r\nx\r\n"));
        assertEquals("VA 1 c18446744073709551615\r\nx\r\n", send("mg B2 v c\r\n"), "visible before a flush");
        assertEquals("OK\r\n", send("flush_all\r\n"));
        assertEquals("EN\r\n", send("mg B1 v c\r\n"), "flushed whatever its CAS");
        assertEquals("EN\r\n", send("mg B2 v c\r\n"));
        assertEquals("HD\r\n", send("ms B3 1 E1\r\nx\r\n"));
        assertEquals("VA 1 c1\r\nx\r\n", send("mg B3 v c\r\n"), "written after the flush: visible");
        assertEquals("HD c2 W\r\n", send("mg B4 N30 E2 c\r\n"));
        assertEquals("HD c2 Z\r\n", send("mg B4 c\r\n"));
        assertEquals("HD\r\n", send("ma B5 N0 J5 E3\r\n"));
        assertEquals("VA 1 c3\r\n5\r\n", send("mg B5 v c\r\n"));
        assertEquals("OK\r\n", send("flush_all\r\n"));
        assertEquals("EN\r\nEN\r\nEN\r\n", send("mg B3 v\r\nmg B4 v\r\nmg B5 v\r\n"));
    }

    @Test
    void opaqueTooLongStopsWhereMemcachedStops() {
        String longOpaque = "O" + "a".repeat(40);
        // N before the bad opaque: the item is created with its TTL; after it: created without TTL and no win.
        assertEquals("CLIENT_ERROR opaque token too long\r\n", send("mg v1 N30 " + longOpaque + "\r\n"));
        assertEquals("VA 0 t30\r\n\r\n", send("mg v1 t v\r\n"));
        assertEquals("CLIENT_ERROR opaque token too long\r\n", send("mg v2 " + longOpaque + " N30\r\n"));
        assertEquals("VA 0 t-1\r\n\r\n", send("mg v2 t v\r\n"));
        send("ms v3 2 T50\r\nhi\r\n");
        assertEquals("CLIENT_ERROR opaque token too long\r\n", send("mg v3 T100 " + longOpaque + "\r\n"));
        assertEquals("HD t100\r\n", send("mg v3 t\r\n"));
        assertEquals("CLIENT_ERROR opaque token too long\r\n", send("mg v3 " + longOpaque + " T20\r\n"));
        assertEquals("HD t100\r\n", send("mg v3 t\r\n"));
        // ma applies the delta before it meets the bad opaque.
        send("ms n 1\r\n5\r\n");
        assertEquals("CLIENT_ERROR opaque token too long\r\n", send("ma n " + longOpaque + "\r\n"));
        assertEquals("VA 1\r\n6\r\n", send("mg n v\r\n"));
    }

    @Test
    void ttlFlagsApplyInTokenOrder() {
        // Bytes as memcached 1.6.18 answers them.
        assertEquals("HD t100 W\r\n", send("mg c1 N30 T100 t\r\n"));
        assertEquals("HD t100 Z\r\n", send("mg c1 t\r\n"));
        assertEquals("HD t-1 W\r\n", send("mg c2 t T100 N30\r\n"));
        assertEquals("HD t30 Z\r\n", send("mg c2 t\r\n"));
        assertEquals("HD t100\r\n", send("ma c3 N30 T100 t\r\n"));
        assertEquals("HD t-1\r\n", send("ma c4 t N30 T100\r\n"));
        assertEquals("HD t100\r\n", send("ma c4 t\r\n"));
    }

    @Test
    void removeValueKeepsTheKey() {
        send("ms x 5 T100 F9\r\nhello\r\n");
        assertEquals("HD kx\r\n", send("md x x k\r\n"));
        assertEquals("VA 0 f9 t100\r\n\r\n", send("mg x v f t\r\n"));
        assertEquals("HD\r\n", send("md x x T10\r\n"));
        assertEquals("HD t10\r\n", send("mg x t\r\n"));
        assertEquals("NF\r\n", send("md missing x\r\n"));
    }

    @Test
    void binaryKeysSurviveRoundTripsWithAnyByte() {
        // "AAEC/w==" is the four bytes 00 01 02 ff: not a key the text protocol could carry.
        assertEquals("HD kAAEC/w== b\r\n", send("ms AAEC/w== 2 b k\r\nhi\r\n"));
        assertEquals("VA 2 kAAEC/w== b\r\nhi\r\n", send("mg AAEC/w== b k v\r\n"));
        assertEquals("HD kAAEC/w== b\r\n", send("md AAEC/w== b k\r\n"));
        assertEquals("EN\r\n", send("mg AAEC/w== b v\r\n"));
    }

    @Test
    void arithmeticTtlIsLostWhenTheNumberGrowsAsInMemcached() {
        // memcached rewrites in place unless the number grows; then it writes a new item and the TTL lands on the old.
        send("ms g1 2 T50\r\n99\r\nms g2 2 T50\r\n98\r\n");
        assertEquals("HD t200\r\n", send("ma g1 T200 t\r\n"));
        assertEquals("VA 3 t50\r\n100\r\n", send("mg g1 t v\r\n"));
        assertEquals("HD t200\r\n", send("ma g2 T200 t\r\n"));
        assertEquals("VA 2 t200\r\n99\r\n", send("mg g2 t v\r\n"));
    }

    @Test
    void recacheComparesWholeSecondsAndFlagsTruncateTo32Bits() {
        send("ms y 5 T100\r\nhello\r\n");
        assertEquals("HD t100\r\n", send("mg y R100 t\r\n"));
        assertEquals("HD t10 W\r\n", send("mg y T10 R30 t\r\n"));
        assertEquals("HD t10 Z\r\n", send("mg y R30 t\r\n"));
        assertEquals("HD\r\n", send("ms f 2 F4294967296\r\nhi\r\n"));
        assertEquals("HD f0\r\n", send("mg f f\r\n"));
        assertEquals("CLIENT_ERROR bad command line format\r\n", send("ms f 2 F-1\r\nhi\r\n"));
    }
}
