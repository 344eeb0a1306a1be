package org.bastion.protocol.binary;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bastion.config.Settings;
import org.bastion.testing.BinaryFrames.Response;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import static org.bastion.testing.BinaryFrames.OPAQUE;
import static org.bastion.testing.BinaryFrames.ascii;
import static org.bastion.testing.BinaryFrames.concat;
import static org.bastion.testing.BinaryFrames.incrExtras;
import static org.bastion.testing.BinaryFrames.int32;
import static org.bastion.testing.BinaryFrames.request;
import static org.bastion.testing.BinaryFrames.set;
import static org.bastion.testing.BinaryFrames.setExtras;

import static org.junit.jupiter.api.Assertions.assertEquals;


/**
 * The same binary request streams, valid and malformed, sent to Debian's memcached and to Bastion: the responses
 * (status, opcode, opaque, extras, key, body) and whether the connection closes must match, with CAS values masked
 * (nonzero versus zero is still compared).
 */
class BinaryDifferentialTest {
    /** The opaque of the Noop appended to each stream: its answer means every earlier answer is in. */
    private static final int END_MARKER = 0x0e0e0e0e;

    private static MemcachedProcess memcached;
    private static int memcachedPort;
    private static Server bastion;

    @BeforeAll
    static void start() throws Exception {
        bastion = Server.start(Settings.builder().port(0).build());
        memcached = MemcachedProcess.start();
        memcachedPort = memcached.port();
    }

    @AfterAll
    static void stop() throws Exception {
        if (memcached != null) {
            memcached.close();
        }
        if (bastion != null) {
            bastion.close();
        }
    }

    static Stream<Arguments> streams() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        byte[] none = new byte[0];
        byte[] ttl = int32(100);
        s.put("set, get, getk, quiet gets, misses", concat(set(0x01, "k1", 5, 0, "hello", 0), request(0x00, "k1"),
                request(0x0c, "k1"), request(0x00, "nokey"), request(0x0c, "nokey"), request(0x09, "nokey"),
                request(0x0d, "nokey"), request(0x09, "k1"), request(0x0d, "k1")));
        s.put("touch, gat, gatk and quiet variants", concat(set(0x01, "t1", 7, 0, "vv", 0),
                request(0x1c, "t1", ttl, none), request(0x1d, "t1", ttl, none), request(0x23, "t1", ttl, none),
                request(0x1e, "zz", ttl, none), request(0x24, "zz", ttl, none), request(0x1e, "t1", ttl, none),
                request(0x24, "t1", ttl, none), request(0x1c, "zz", ttl, none), request(0x1d, "zz", ttl, none),
                request(0x23, "zz", ttl, none)));
        s.put("storage statuses", concat(set(0x01, "a", 1, 0, "x", 0), set(0x02, "a", 1, 0, "y", 0),
                set(0x12, "a", 1, 0, "y", 0), set(0x03, "m", 1, 0, "y", 0), set(0x13, "m", 1, 0, "y", 0),
                request(0x0e, "m", none, ascii("y")), request(0x0f, "m", none, ascii("y")),
                request(0x1a, "m", none, ascii("y")), set(0x01, "m", 1, 0, "y", 5), set(0x01, "a", 1, 0, "y", 999),
                request(0x04, ascii("a"), none, none, 999, OPAQUE), set(0x02, "a", 1, 0, "z", 999),
                request(0x0e, ascii("a"), none, ascii("Q"), 999, OPAQUE), request(0x04, "a"), request(0x14, "a"),
                set(0x02, "zz1", 1, 0, "y", 7), request(0x0e, ascii("zz2"), none, ascii("y"), 7, OPAQUE)));
        s.put("quiet storage", concat(set(0x11, "q", 1, 0, "x", 0), set(0x12, "q2", 1, 0, "x", 0),
                set(0x13, "q", 2, 0, "y", 0), request(0x19, "q", none, ascii("A")),
                request(0x1a, "q", none, ascii("B")), request(0x09, "q"), request(0x14, "q2")));
        s.put("counters", concat(request(0x05, "n", incrExtras(5, 10, 0), none),
                request(0x05, "n", incrExtras(5, 10, 0), none), request(0x06, "n", incrExtras(100, 10, 0), none),
                request(0x05, "nn", incrExtras(5, 10, -1), none), set(0x01, "s", 0, 0, "abc", 0),
                request(0x05, "s", incrExtras(5, 10, 0), none), request(0x15, "n", incrExtras(1, 0, 0), none),
                request(0x16, "n2", incrExtras(1, 0, -1), none), request(0x00, "n"),
                request(0x05, ascii("n"), incrExtras(1, 0, 0), none, 12345, OPAQUE),
                request(0x05, "w", incrExtras(1, -1L, 0), none), request(0x05, "w", incrExtras(1, 0, 0), none),
                request(0x00, "w")));
        byte[] huge = new byte[1024 * 1024 + 1];
        s.put("values over -I", concat(set(0x01, "big", 0, 0, "small", 0),
                request(0x01, ascii("big"), setExtras(0, 0), huge, 0, OPAQUE), request(0x00, "big"),
                request(0x11, ascii("big"), setExtras(0, 0), new byte[2 * 1024 * 1024], 0, OPAQUE),
                request(0x0e, ascii("big"), none, huge, 0, OPAQUE)));
        s.put("flushq then get", concat(set(0x01, "f", 0, 0, "x", 0), request(0x18), request(0x00, "f")));
        s.put("version", request(0x0b));
        s.put("sasl without sasl", concat(request(0x20), request(0x21, "PLAIN", none, ascii("\0u\0p")),
                request(0x22, "PLAIN", none, ascii("xx"))));
        s.put("stat reset and unknown groups", concat(request(0x10, "reset"), request(0x10, "bogus"),
                request(0x10, "resetx")));
        s.put("unknown opcodes", concat(request(0x50, "", none, ascii("abcd")), request(0x3e)));
        s.put("quit", request(0x07));
        s.put("quitq", request(0x17));
        s.put("get with extras", request(0x00, "k", int32(1), none));
        s.put("get without key", request(0x00));
        s.put("set without extras", request(0x01, "k", none, ascii("v")));
        s.put("key of 251 bytes", request(0x00, "k".repeat(251)));
        s.put("key of 250 bytes", request(0x00, "k".repeat(250)));
        s.put("noop with a body", request(0x0a, "", none, ascii("x")));
        s.put("incr with short extras", request(0x05, "k", new byte[8], none));
        s.put("touch without expiry", request(0x1c, "k"));
        s.put("flush with 3 bytes of extras", request(0x08, "", new byte[3], none));
        s.put("append with extras", request(0x0e, "k", setExtras(0, 0), ascii("x")));
        s.put("delete with a value", request(0x04, "k", none, ascii("x")));
        s.put("stat with extras", request(0x10, "", int32(1), none));
        s.put("stat detail dump", concat(request(0x10, "detail on"), set(0x01, "pfx:a", 0, 0, "x", 0),
                request(0x00, "pfx:a"), request(0x00, "pfx:b"), request(0x10, "detail dump"),
                request(0x10, "detail off"), request(0x10, "detail dumpster")));
        // Groups memcached's binary protocol does not know, though its text protocol knows some of them.
        s.put("stat groups binary does not know", concat(request(0x10, "detail"), request(0x10, "detail bogus"),
                request(0x10, "slabs x"), request(0x10, "items x"), request(0x10, "conns"),
                request(0x10, "cachedump 1 1"), request(0x10, "sizesx")));
        s.put("quit with a body", request(0x07, "", none, ascii("x")));
        s.put("sasl list with a body", request(0x20, "", none, ascii("x")));
        s.put("sasl auth without mechanism", request(0x21, "", none, ascii("x")));
        s.put("gat without key", request(0x1d, "", int32(1), none));
        byte[] badMagic = request(0x0a);
        badMagic[0] = (byte) 0x81;
        s.put("bad magic after a valid request", concat(request(0x0a), badMagic));
        List<Arguments> out = new ArrayList<>();
        s.forEach((name, bytes) -> out.add(Arguments.of(name, bytes)));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void sameAnswersAsMemcached(String name, byte[] stream) throws Exception {
        // A fresh start for both: the same keys mean the same state.
        exchange(memcachedPort, request(0x08));
        exchange(bastion.port(), request(0x08));
        Outcome expected = exchange(memcachedPort, stream);
        Outcome actual = exchange(bastion.port(), stream);
        assertEquals(expected.toString(), actual.toString(), name);
    }

    /** The masked responses, and whether the server closed the connection before the end marker. */
    record Outcome(List<String> responses, boolean closed) {
        @Override
        public String toString() {
            return String.join("\n", responses) + (closed ? "\n<closed>" : "\n<open>");
        }
    }

    private static Outcome exchange(int port, byte[] stream) throws IOException {
        byte[] marker = BinaryFrames.request(0x0a, new byte[0], new byte[0], new byte[0], 0, END_MARKER);
        try (WireClient c = WireClient.connect(port)) {
            c.send(concat(stream, marker));
            List<Response> received = new ArrayList<>();
            boolean closed = false;
            while (received.isEmpty() || received.get(received.size() - 1).opaque() != END_MARKER) {
                try {
                    received.add(c.readResponse());
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("no end marker and no close from port " + port + " after "
                            + received.size() + " packets");
                } catch (IOException closedOrReset) {
                    closed = true;
                    break;
                }
            }
            List<String> out = new ArrayList<>();
            for (Response r : received) {
                if (r.opaque() != END_MARKER) {
                    out.add(String.format("op=%02x status=%04x opaque=%08x cas=%s extras=%s key=%s value=%s",
                            r.opcode(), r.status(), r.opaque(), r.cas() == 0 ? "0" : "C", BinaryFrames.hex(r.extras()),
                            BinaryFrames.hex(r.key()), BinaryFrames.hex(r.value())));
                }
            }
            return new Outcome(out, closed);
        }
    }
}
