package org.bastion.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.bastion.config.Settings;
import org.bastion.policy.Session;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.testing.TestServers;

/**
 * Property-based fuzzing (issue 15, "tests that stay") of the text and meta decoder, the binary decoder and whole
 * connections: byte streams built from memcached's grammar (commands, keys, numbers, flags, noreply, data blocks of
 * right and wrong lengths, NUL bytes, CR/LF variants, binary headers with random lengths) go through protocol detection
 * on an {@link EmbeddedChannel} over one {@link TestServers.Parts}, split into random reads. After each stream:
 * <ul>
 * <li>no exception escaped a handler: none reached the end of the pipeline, and no handler closed a connection because
 * of one (both translators log such a close to {@code org.bastion.server}, which this test listens to);</li>
 * <li>the connection either was closed (a deliberate close: quit, an oversize line, a malformed binary request) or
 * answers {@code version} / a binary Noop, after the bytes of a request it still waits for are sent; it may go on
 * waiting only if the stream announced a length of 4 KiB or more;</li>
 * <li>a control value set on another connection of the same server before the stream is intact, and a fresh
 * connection is answered;</li>
 * <li>no buffer leaked: every buffer of the channels' allocator was released once they closed.</li>
 * </ul>
 * 1,000 tries per property by default (jqwik's {@code jqwik.tries.default}, set by the POM property
 * {@code bastion.fuzz.tries}), and each property stops early at {@code bastion.fuzz.seconds} (default 20 s, saying so);
 * {@code mvn ... -Dbastion.fuzz.tries=100000 -Dbastion.fuzz.seconds=3600} runs longer. jqwik prints the seed of a
 * failing run; past crashers are kept as fixed inputs in {@code src/test/resources/fuzz-corpus/} (hex, one stream per
 * file; {@link #corpus()}). Server with {@code -F}, so no stream can flush the control value away legitimately.
 */
class ProtocolFuzzTest {
    private static final String CONTROL_KEY = "ctl_fuzz";
    private static final byte[] CONTROL_VALUE = "control:0123456789:\r\n:\0:end".getBytes(StandardCharsets.ISO_8859_1);
    private static final int CONTROL_FLAGS = 7;
    /** An announced length at least this large may legitimately leave a connection waiting after the filler. */
    private static final int LARGE = 4096;
    /** Bytes sent to finish a text request still waiting: more than a smaller data block and a line before it. */
    private static final int FILLER_BYTES = LARGE + 2 + TextProtocolHandler.MAX_LINE + 2;
    private static final long DEADLINE_NANOS = Long.getLong("bastion.fuzz.seconds", 20) * 1_000_000_000L;
    private static final List<String> CLOSES = new CopyOnWriteArrayList<>();
    private static final Handler CLOSE_LISTENER = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue() && r.getMessage() != null
                    && r.getMessage().contains("could not be completed")) {
                CLOSES.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private static final Logger SERVER_LOG = Logger.getLogger("org.bastion.server");
    private static long started = System.nanoTime();
    private static int checked;
    private static int skipped;

    @BeforeContainer
    static void listen() {
        SERVER_LOG.addHandler(CLOSE_LISTENER);
    }

    @BeforeProperty
    void startClock() {
        started = System.nanoTime();
        checked = 0;
        skipped = 0;
    }

    @AfterProperty
    void sayIfCut() {
        if (skipped > 0) {
            System.out.println("ProtocolFuzzTest: bastion.fuzz.seconds reached after " + checked + " streams; "
                    + skipped + " tries skipped");
        }
    }

    @AfterContainer
    static void stopListening() {
        SERVER_LOG.removeHandler(CLOSE_LISTENER);
    }

    /** One generated stream: its bytes, how to cut them into reads, and whether it announced a large length. */
    record Input(byte[] bytes, List<Integer> cuts, boolean mayWait, int binaryMissing) {
        @Override
        public String toString() {
            String shown = new String(bytes, 0, Math.min(bytes.length, 400), StandardCharsets.ISO_8859_1);
            return "Input[" + bytes.length + " bytes, reads " + cuts + ", mayWait " + mayWait + "] "
                    + shown.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0") + "\nhex "
                    + HexFormat.of().formatHex(bytes);
        }
    }

    // ---- properties ----

    @Property
    void textAndMetaStreams(@ForAll("textInputs") Input input) {
        check(input);
    }

    @Property
    void binaryStreams(@ForAll("binaryInputs") Input input) {
        check(input);
    }

    /** Text and binary pieces in any order: the first byte picks the protocol, the rest is hostile to it. */
    @Property
    void mixedStreams(@ForAll("mixedInputs") Input input) {
        check(input);
    }

    /** The checks themselves must be able to fail: a handler's exception is seen, a wrong control value is not missed. */
    @Example
    void theOracleSeesAnExceptionInEitherProtocol() {
        for (byte[] first : List.of(ascii("version\r\n"), noop(1))) {
            TestServers.Parts parts = fuzzParts();
            EmbeddedChannel ch = new EmbeddedChannel(parts.detector(Session.local()));
            ch.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(first));
            CLOSES.clear();
            ch.pipeline().fireExceptionCaught(new IllegalStateException("probe"));
            assertEquals(1, CLOSES.size(), "the close of a handler's exception is logged: " + CLOSES);
            CLOSES.clear();
            ch.finishAndReleaseAll();
        }
    }

    /** Every stream kept in src/test/resources/fuzz-corpus (hex, whitespace ignored), read as one batch and byte by byte. */
    @Example
    void corpus() throws IOException {
        List<String> names = corpusNames();
        assertTrue(names.size() >= 1, "the corpus has entries");
        for (String name : names) {
            byte[] bytes = corpusEntry(name);
            boolean binary = bytes.length > 0 && (bytes[0] & 0xFF) == 0x80;
            for (List<Integer> cuts : List.of(List.of(bytes.length), List.of(1), List.of(7, 1, 300, 2))) {
                check(new Input(bytes, cuts, binary || announcesLarge(bytes), binary ? -1 : 0));
            }
        }
    }

    // ---- the harness ----

    private static TestServers.Parts fuzzParts() {
        return TestServers.parts(Settings.builder().threads(1).flushAllDisabled(true).build());
    }

    private static void check(Input input) {
        if (System.nanoTime() - started > DEADLINE_NANOS) {
            skipped++;
            return; // bastion.fuzz.seconds spent: the remaining tries pass without running
        }
        checked++;
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true);
        TestServers.Parts parts = fuzzParts();
        EmbeddedChannel control = channel(parts, alloc);
        String controlSet = "set " + CONTROL_KEY + " " + CONTROL_FLAGS + " 0 " + CONTROL_VALUE.length + "\r\n";
        assertEquals("STORED\r\n", text(send(control, alloc, concat(ascii(controlSet), CONTROL_VALUE, ascii("\r\n")))));
        CLOSES.clear();

        EmbeddedChannel ch = channel(parts, alloc);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        for (int i = 0; at < input.bytes.length && ch.isOpen(); i++) {
            int n = Math.min(Math.max(1, input.cuts.get(i % input.cuts.size())), input.bytes.length - at);
            out.writeBytes(send(ch, alloc, Arrays.copyOfRange(input.bytes, at, at + n)));
            at += n;
        }
        boolean binary = input.bytes.length > 0 && (input.bytes[0] & 0xFF) == 0x80;
        if (ch.isOpen()) {
            if (binary) {
                probeBinary(ch, alloc, input);
            } else {
                probeText(ch, alloc, input);
            }
        }
        // The control value, on the other connection, and a fresh connection: the server goes on.
        String expect = "VALUE " + CONTROL_KEY + " " + CONTROL_FLAGS + " " + CONTROL_VALUE.length + "\r\n"
                + text(CONTROL_VALUE) + "\r\nEND\r\n";
        assertEquals(expect, text(send(control, alloc, ascii("get " + CONTROL_KEY + "\r\n"))), "control value");
        EmbeddedChannel fresh = channel(parts, alloc);
        assertTrue(text(send(fresh, alloc, ascii("version\r\n"))).startsWith("VERSION "), "a fresh connection");

        for (EmbeddedChannel c : List.of(ch, control, fresh)) {
            c.finishAndReleaseAll();
            c.checkException();
        }
        assertEquals(List.of(), CLOSES, "no connection closed by an exception");
        assertEquals(0, alloc.metric().usedHeapMemory() + alloc.metric().usedDirectMemory(),
                "bytes of buffers never released");
    }

    private static void probeText(EmbeddedChannel ch, UnpooledByteBufAllocator alloc, Input input) {
        TextProtocolHandler handler = ch.pipeline().get(TextProtocolHandler.class);
        if (handler != null && handler.hasPartialRequest()) {
            byte[] filler = new byte[FILLER_BYTES];
            for (int i = 0; i < filler.length; i += 2) {
                filler[i] = '\r';
                filler[i + 1] = '\n';
            }
            send(ch, alloc, filler);
            if (!ch.isOpen()) {
                return;
            }
            if (handler.hasPartialRequest()) {
                assertTrue(input.mayWait, "a connection still waits after " + FILLER_BYTES + " bytes");
                return;
            }
        }
        String reply = text(send(ch, alloc, ascii("version\r\n")));
        if (ch.isOpen()) {
            assertTrue(reply.endsWith("\r\n"), "the connection answers version: " + tail(reply));
            String body = reply.substring(0, reply.length() - 2);
            int previous = body.lastIndexOf("\r\n");
            assertTrue(body.substring(previous < 0 ? 0 : previous + 2).startsWith("VERSION "),
                    "the connection answers version last: " + tail(reply));
        }
    }

    private static void probeBinary(EmbeddedChannel ch, UnpooledByteBufAllocator alloc, Input input) {
        if (input.binaryMissing < 0) {
            send(ch, alloc, noop(0x0BADF00D));
            return;
        }
        if (input.binaryMissing > 0) {
            if (input.binaryMissing >= LARGE) {
                assertTrue(input.mayWait);
                return;
            }
            send(ch, alloc, new byte[input.binaryMissing]);
            if (!ch.isOpen()) {
                return;
            }
        }
        byte[] reply = send(ch, alloc, noop(0x0BADF00D));
        if (ch.isOpen()) {
            assertTrue(reply.length >= 24, "the connection answers a Noop: " + HexFormat.of().formatHex(reply));
            ByteBuffer last = ByteBuffer.wrap(reply, reply.length - 24, 24);
            assertEquals(0x81, last.get() & 0xFF);
            assertEquals(0x0a, last.get() & 0xFF);
            last.position(last.position() + 6);
            assertEquals(0, last.getInt(), "Noop's body");
            assertEquals(0x0BADF00D, last.getInt(), "Noop's opaque");
        }
    }

    private static EmbeddedChannel channel(TestServers.Parts parts, UnpooledByteBufAllocator alloc) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(parts.detector(Session.local()));
        return ch;
    }

    /** One read: the bytes in a buffer of the tracked allocator; returns what was written back (released). */
    private static byte[] send(EmbeddedChannel ch, UnpooledByteBufAllocator alloc, byte[] bytes) {
        if (!ch.isOpen()) {
            return new byte[0];
        }
        ByteBuf in = alloc.heapBuffer(bytes.length);
        in.writeBytes(bytes);
        ch.writeInbound(in);
        ch.runPendingTasks();
        ch.checkException();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) o;
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            buf.release();
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    // ---- generators: memcached's grammar in pieces ----

    /** A piece of a stream and, for a binary frame cut short at the end, how many body bytes it still wants. */
    record Piece(byte[] bytes, int missing) {
        static Piece of(String s) {
            return new Piece(ascii(s), 0);
        }
    }

    @Provide
    Arbitrary<Input> textInputs() {
        // A junk piece may start with 0x80 and make it a binary connection, framed by whatever follows.
        return mixed(textPiece(), Arbitraries.just(new Piece(new byte[0], 0)));
    }

    @Provide
    Arbitrary<Input> binaryInputs() {
        return inputs(binaryFrame(true), binaryFrame(false));
    }

    @Provide
    Arbitrary<Input> mixedInputs() {
        // Text bytes after a binary frame make a header of whatever follows: the framing is not modelled, so a
        // binary-first mixed stream is only held to the other checks (marked by binaryMissing -1).
        return mixed(Arbitraries.oneOf(textPiece(), binaryFrame(true)), Arbitraries.oneOf(textPiece(),
                binaryFrame(false)));
    }

    private static Arbitrary<Input> mixed(Arbitrary<Piece> piece, Arbitrary<Piece> last) {
        return inputs(piece, last).map(i -> i.bytes.length > 0 && (i.bytes[0] & 0xFF) == 0x80
                ? new Input(i.bytes, i.cuts, true, -1) : i);
    }

    /** Whole pieces, then a last piece (a binary frame may be cut short there), cut into reads of random sizes. */
    private static Arbitrary<Input> inputs(Arbitrary<Piece> piece, Arbitrary<Piece> last) {
        Arbitrary<List<Integer>> cuts = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(1, 64)),
                Tuple.of(2, Arbitraries.integers().between(1, 4096)),
                Tuple.of(1, Arbitraries.just(1 << 20))).list().ofMinSize(1).ofMaxSize(6);
        return Combinators.combine(piece.list().ofMinSize(1).ofMaxSize(12), last, cuts).as((pieces, end, c) -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<Piece> all = new ArrayList<>(pieces);
            all.add(end);
            for (Piece p : all) {
                out.writeBytes(p.bytes);
            }
            byte[] bytes = out.toByteArray();
            boolean large = end.missing >= LARGE || announcesLarge(bytes);
            return new Input(bytes, c, large, end.missing);
        });
    }

    /** Any decimal run of LARGE or more in the stream, or a binary header whose body length is that large. */
    private static boolean announcesLarge(byte[] bytes) {
        BigInteger large = BigInteger.valueOf(LARGE);
        for (int i = 0; i < bytes.length; ) {
            if (bytes[i] >= '0' && bytes[i] <= '9') {
                int j = i;
                while (j < bytes.length && bytes[j] >= '0' && bytes[j] <= '9') {
                    j++;
                }
                if (new BigInteger(new String(bytes, i, j - i, StandardCharsets.ISO_8859_1)).compareTo(large) >= 0) {
                    return true;
                }
                i = j;
            } else {
                if ((bytes[i] & 0xFF) == 0x80 && i + 12 <= bytes.length
                        && (ByteBuffer.wrap(bytes, i + 8, 4).getInt() & 0xFFFFFFFFL) >= LARGE) {
                    return true;
                }
                i++;
            }
        }
        return false;
    }

    private static Arbitrary<Piece> textPiece() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, storage()),
                Tuple.of(4, retrieval()),
                Tuple.of(4, other()),
                Tuple.of(5, meta()),
                Tuple.of(2, junk()));
    }

    private static Arbitrary<String> key() {
        return Arbitraries.frequencyOf(
                // A few keys often, so streams read, change and delete what they wrote.
                Tuple.of(8, Arbitraries.of("a", "b", "k1", "0")),
                Tuple.of(3, Arbitraries.strings().withChars("abcdefgh0123").ofMinLength(1).ofMaxLength(6)),
                Tuple.of(1, Arbitraries.of(250, 251, 300).map("k"::repeat)),
                // Any byte but '_' (so no key is the control key) and the line's own separators now and then.
                Tuple.of(2, Arbitraries.strings().withCharRange('\0', '^').withCharRange('`', '\u00ff')
                        .ofMinLength(0).ofMaxLength(12)));
    }

    private static Arbitrary<String> number() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0, 20).map(String::valueOf)),
                Tuple.of(3, Arbitraries.integers().between(0, 4000).map(String::valueOf)),
                // Values of 8 KiB and more take the reply path of their own buffers.
                Tuple.of(1, Arbitraries.integers().between(8000, 20000).map(String::valueOf)),
                Tuple.of(2, Arbitraries.of("-1", "4294967295", "4294967296", "2147483647",
                        "2147483648", "9223372036854775807", "18446744073709551615", "18446744073709551616", "1a",
                        "", "+1", "0x10", "00001", "-0", "1048576", "1048577", " 1", "1 ")),
                Tuple.of(1, Arbitraries.longs().map(String::valueOf)));
    }

    private static Arbitrary<String> eol() {
        return Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just("\r\n")),
                Tuple.of(2, Arbitraries.just("\n")),
                Tuple.of(1, Arbitraries.of("\r", "", "\n\r", "\r\r\n", "\0\r\n", " \r\n")));
    }

    private static Arbitrary<String> noreply() {
        return Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just("")),
                Tuple.of(1, Arbitraries.of(" noreply", " noreply noreply", " norepl", " 0")));
    }

    /** A data block for an announced length: often right, sometimes off by a little, sometimes anything. */
    private static Arbitrary<String> dataFor(String announced) {
        int n;
        try {
            n = Integer.parseInt(announced.trim());
        } catch (NumberFormatException e) {
            n = -1;
        }
        int right = n >= 0 && n <= 20000 ? n : 3;
        Arbitrary<String> body = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just("v".repeat(right))),
                Tuple.of(2, Arbitraries.integers().between(Math.max(0, right - 2), right + 2)
                        .map("w"::repeat)),
                Tuple.of(1, Arbitraries.strings().withCharRange('\0', '\u00ff').ofMaxLength(40)));
        return Combinators.combine(body, eol()).as((b, e) -> b + e);
    }

    private static Arbitrary<Piece> storage() {
        Arbitrary<String> cmd = Arbitraries.of("set", "add", "replace", "append", "prepend", "cas", "SET", "set ");
        Arbitrary<String> casField = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just("")),
                Tuple.of(1, number().map(n -> " " + n)));
        return Combinators.combine(cmd, key(), number(), number(), number(), casField, noreply(), eol())
                .flatAs((c, k, f, e, n, cas, nr, end) -> dataFor(n).map(d -> Piece.of(c + " " + k + " " + f + " " + e
                        + " " + n + (c.equals("cas") && cas.isEmpty() ? " 1" : cas) + nr + end + d)));
    }

    private static Arbitrary<Piece> retrieval() {
        Arbitrary<String> cmd = Arbitraries.of("get", "gets", "gat", "gats", "get ", "get\0");
        return Combinators.combine(cmd, number(), key().list().ofMinSize(0).ofMaxSize(5), eol())
                .as((c, n, keys, e) -> Piece.of(c + (c.startsWith("gat") ? " " + n : "") + " "
                        + String.join(" ", keys) + e));
    }

    private static Arbitrary<Piece> other() {
        Arbitrary<String> line = Arbitraries.oneOf(
                Combinators.combine(key(), Arbitraries.of("", " 0", " 1"), noreply())
                        .as((k, t, nr) -> "delete " + k + t + nr),
                Combinators.combine(Arbitraries.of("incr", "decr"), key(), number(), noreply())
                        .as((c, k, n, nr) -> c + " " + k + " " + n + nr),
                Combinators.combine(key(), number(), noreply()).as((k, n, nr) -> "touch " + k + " " + n + nr),
                Combinators.combine(number(), noreply()).as((n, nr) -> "flush_all " + n + nr),
                number().map(n -> "verbosity " + n),
                Arbitraries.of("version", "stats", "stats settings", "stats items", "stats slabs", "stats sizes",
                        "stats conns", "stats reset", "stats detail on", "stats detail dump", "stats cachedump 1 1",
                        "shutdown", "misbehave", "lru_crawler metadump all", "slabs automove 1", "cache_memlimit 1",
                        "", " ", "quit", "mn", "GET a", "\u0080\u0000"),
                key().map(k -> "me " + k));
        return Combinators.combine(line, eol()).as((l, e) -> Piece.of(l + e));
    }

    private static Arbitrary<Piece> meta() {
        Arbitrary<String> flag = Arbitraries.oneOf(
                Arbitraries.of("b", "c", "f", "h", "k", "l", "O", "q", "s", "t", "v", "u", "x", "I", "E", "N", "R",
                        "T", "M", "MS", "MA", "MP", "MR", "ME", "MI", "MD", "S", "F", "C", "D", "J", "P", "L", "Z",
                        "Oabc", "?", "\0"),
                Combinators.combine(Arbitraries.of("N", "T", "R", "E", "C", "F", "S", "D", "J", "O", "M"), number())
                        .as((f, n) -> f + n));
        Arbitrary<String> flags = flag.list().ofMaxSize(6).map(l -> l.isEmpty() ? "" : " " + String.join(" ", l));
        Arbitrary<Piece> simple = Combinators.combine(Arbitraries.of("mg", "md", "ma", "me", "mn", "mx", "mG"), key(),
                flags, eol()).as((c, k, f, e) -> Piece.of(c + " " + k + f + e));
        Arbitrary<Piece> set = Combinators.combine(key(), number(), flags, eol())
                .flatAs((k, n, f, e) -> dataFor(n).map(d -> Piece.of("ms " + k + " " + n + f + e + d)));
        return Arbitraries.frequencyOf(Tuple.of(3, simple), Tuple.of(2, set));
    }

    private static Arbitrary<Piece> junk() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(b -> new Piece(b, 0)),
                Arbitraries.strings().withChars("\0\r\n \t").ofMaxLength(8).map(Piece::of),
                Arbitraries.integers().between(2000, 2100).map(n -> Piece.of("x".repeat(n))),
                Arbitraries.integers().between(2000, 6000).map(n -> Piece.of("y".repeat(n) + "\r\n")));
    }

    /** A binary request; its header's lengths mostly agree with its body, sometimes not; cut short only if last. */
    private static Arbitrary<Piece> binaryFrame(boolean whole) {
        Arbitrary<Integer> opcode = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.integers().between(0x00, 0x1e)),
                Tuple.of(1, Arbitraries.integers().between(0x00, 0xff)));
        Arbitrary<Integer> magic = Arbitraries.frequencyOf(Tuple.of(20, Arbitraries.just(0x80)),
                Tuple.of(1, Arbitraries.integers().between(0, 255)));
        Arbitrary<byte[]> keyBytes = key().map(ProtocolFuzzTest::ascii);
        Arbitrary<Integer> extras = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(-1)),
                Tuple.of(1, Arbitraries.integers().between(0, 255)));
        Arbitrary<Integer> valueLength = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0, 40)),
                Tuple.of(1, Arbitraries.integers().between(0, 3000)));
        // Added to the key length, the body length: mostly 0 (consistent).
        Arbitrary<Integer> keySkew = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(-10, 10)),
                Tuple.of(1, Arbitraries.integers().between(0, 65535)));
        Arbitrary<Long> bodySkew = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(0L)),
                Tuple.of(1, Arbitraries.longs().between(-30, 30)),
                Tuple.of(whole ? 0 : 1, Arbitraries.longs().between(0, 0xFFFFFFFFL)));
        Arbitrary<Long> cas = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(0L)),
                Tuple.of(1, Arbitraries.longs()));
        return Combinators.combine(magic, opcode, keyBytes, extras, valueLength, keySkew, bodySkew, cas)
                .as((mg, op, key, ex, value, kSkew, bSkew, casValue) -> {
                    int extrasLength = ex >= 0 ? ex : extrasFor(op);
                    int keyLength = Math.max(0, Math.min(65535, key.length + kSkew));
                    long body = extrasLength + key.length + value;
                    long declared = Math.max(0, Math.min(0xFFFFFFFFL, body + bSkew));
                    if (whole && declared > 8192) {
                        declared = body;
                    }
                    // The bytes that follow the header: extras, key, value, padded or cut to the declared length.
                    ByteBuffer b = ByteBuffer.allocate(24 + (int) Math.min(declared, body + 8192));
                    b.put((byte) (int) mg).put((byte) (int) op).putShort((short) keyLength)
                            .put((byte) extrasLength).put((byte) 0).putShort((short) 0).putInt((int) declared)
                            .putInt(0x1234).putLong(casValue);
                    byte[] bodyBytes = new byte[(int) Math.min(declared, body + 8192)];
                    int at = 0;
                    for (int i = 0; i < extrasLength && at < bodyBytes.length; i++) {
                        bodyBytes[at++] = (byte) (i == 3 ? 1 : 0);
                    }
                    for (int i = 0; i < key.length && at < bodyBytes.length; i++) {
                        bodyBytes[at++] = key[i];
                    }
                    while (at < bodyBytes.length) {
                        bodyBytes[at++] = 'v';
                    }
                    b.put(bodyBytes);
                    return new Piece(b.array(), (int) Math.min(Integer.MAX_VALUE, declared - bodyBytes.length));
                });
    }

    private static int extrasFor(int opcode) {
        return switch (opcode) {
            case 0x01, 0x02, 0x03, 0x11, 0x12, 0x13 -> 8;
            case 0x05, 0x06, 0x15, 0x16 -> 20;
            case 0x1c, 0x1d, 0x1e, 0x08, 0x18, 0x1b -> 4;
            default -> 0;
        };
    }

    // ---- bytes ----

    static byte[] noop(int opaque) {
        return ByteBuffer.allocate(24).put((byte) 0x80).put((byte) 0x0a).putShort((short) 0).putInt(0).putInt(0)
                .putInt(opaque).putLong(0).array();
    }

    private static List<String> corpusNames() throws IOException {
        try (InputStream index = ProtocolFuzzTest.class.getResourceAsStream("/fuzz-corpus/index.txt")) {
            List<String> names = new ArrayList<>();
            for (String line : new String(index.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String name = line.strip();
                if (!name.isEmpty() && !name.startsWith("#")) {
                    names.add(name);
                }
            }
            return names;
        }
    }

    private static byte[] corpusEntry(String name) throws IOException {
        try (InputStream in = ProtocolFuzzTest.class.getResourceAsStream("/fuzz-corpus/" + name)) {
            assertTrue(in != null, "corpus entry " + name);
            StringBuilder hex = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.startsWith("#")) {
                    hex.append(line.replaceAll("\\s", ""));
                }
            }
            return HexFormat.of().parseHex(hex);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String tail(String s) {
        return s.length() <= 300 ? s : "..." + s.substring(s.length() - 300);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
