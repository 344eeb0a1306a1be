package org.bastion.policy;

import static org.bastion.testing.BinaryFrames.OPAQUE;
import static org.bastion.testing.BinaryFrames.ascii;
import static org.bastion.testing.BinaryFrames.incrExtras;
import static org.bastion.testing.BinaryFrames.int32;
import static org.bastion.testing.BinaryFrames.request;
import static org.bastion.testing.BinaryFrames.set;
import static org.bastion.testing.BinaryFrames.setExtras;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bastion.store.ManualClock;
import org.bastion.testing.BinaryFrames.Response;
import org.bastion.testing.PolicyServers;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --read-only-from}: every write form of all three protocols, sent from the read-only source 127.0.0.2, is
 * refused (text and meta {@code CLIENT_ERROR access denied}, binary status 0x20) and changes nothing, not even an
 * expiry; reads work; a refused storage command's data block is still consumed, so the next command parses cleanly.
 */
class ReadOnlyWriteFormsTest {
    private static final String DENIED = "CLIENT_ERROR access denied";

    private final ManualClock clock = new ManualClock();
    private Server server;
    private WireClient writer;
    private WireClient reader;

    @BeforeEach
    void start() throws Exception {
        server = Server.start(PolicyServers.settings().readOnlyFrom("127.0.0.2/32").shutdownEnabled(true)
                .maxItemSize(1024).build(), clock);
        writer = WireClient.connect(server.port(), WireClient.LOCAL);
        reader = WireClient.connect(server.port(), WireClient.OTHER_SOURCE);
        // Expires in 100 s: a denied touch/gat to 1 s would otherwise show after the clock moves.
        assertEquals("STORED", writer.call("set k 3 100 5\r\nvalue\r\n"));
        assertEquals("STORED", writer.call("set n 0 0 2\r\n10\r\n"));
    }

    @AfterEach
    void stop() throws Exception {
        reader.close();
        writer.close();
        server.close();
    }

    /** The reader gets exactly {@code DENIED} and the connection still parses: the next command is answered. */
    private void assertDenied(String command) throws Exception {
        assertEquals(DENIED, reader.call(command), command);
        assertTrue(reader.call("version\r\n").startsWith("VERSION "), "stream out of step after: " + command);
    }

    /** Fifty seconds on (a refused touch to 1 s would show), the items are as the writer left them. */
    private void assertNothingChanged(long cas) throws Exception {
        clock.advance(50, TimeUnit.SECONDS);
        assertEquals("value", writer.get("k"));
        assertEquals("10", writer.get("n"));
        assertEquals(null, writer.get("new"));
        assertEquals(String.valueOf(cas), casOf("k"), "the item was rewritten");
        assertEquals("VALUE k 3 5", writer.call("get k\r\n"), "flags changed");
        writer.readLine();
        assertEquals("END", writer.readLine());
        assertFalse(server.terminated().isDone(), "a read-only source shut the server down");
    }

    @Test
    void everyTextWriteFormIsRefused() throws Exception {
        long cas = Long.parseLong(casOf("k"));
        for (String command : List.of(
                "set k 0 0 3\r\nbad\r\n",
                "set new 0 0 3\r\nbad\r\n",
                "add new 0 0 3\r\nbad\r\n",
                "replace k 0 0 3\r\nbad\r\n",
                "append k 0 0 3\r\nbad\r\n",
                "prepend k 0 0 3\r\nbad\r\n",
                "cas k 0 0 3 " + cas + "\r\nbad\r\n",
                // A value over -I would otherwise delete the old value (memcached's rule for set): refused first.
                "set k 0 0 5000\r\n" + "x".repeat(5000) + "\r\n",
                "delete k\r\n",
                "incr n 5\r\n",
                "decr n 5\r\n",
                "touch k 1\r\n",
                "gat 1 k\r\n",
                "gats 1 k n\r\n",
                "flush_all\r\n",
                "flush_all 0\r\n",
                "shutdown\r\n")) {
            assertDenied(command);
        }
        // noreply: nothing comes back, and still nothing changes.
        reader.send("set k 0 0 3 noreply\r\nbad\r\ndelete k noreply\r\nincr n 1 noreply\r\ntouch k 1 noreply\r\n"
                + "flush_all noreply\r\n");
        assertTrue(reader.call("version\r\n").startsWith("VERSION "));

        assertNothingChanged(cas);
    }

    @Test
    void everyMetaWriteFormIsRefused() throws Exception {
        long cas = Long.parseLong(casOf("k"));
        for (String command : List.of(
                "ms k 3\r\nbad\r\n",
                "ms new 3\r\nbad\r\n",
                "ms k 3 MS\r\nbad\r\n",
                "ms new 3 ME\r\nbad\r\n",
                "ms k 3 MR\r\nbad\r\n",
                "ms k 3 MA\r\nbad\r\n",
                "ms k 3 MP\r\nbad\r\n",
                "ms k 3 C" + cas + "\r\nbad\r\n",
                "ms k 3 I\r\nbad\r\n",
                "ms k 3 T1 F9\r\nbad\r\n",
                "ms k 5000\r\n" + "x".repeat(5000) + "\r\n",
                "md k\r\n",
                "md k I T30\r\n",
                "md k x\r\n",
                "ma n\r\n",
                "ma n MI D5\r\n",
                "ma n MD D5\r\n",
                "ma new N0 J7\r\n",
                "mg k T1 v\r\n",
                "mg k T1\r\n",
                "mg new N30 v\r\n")) {
            assertDenied(command);
        }
        // Quiet mode hides successes, not errors: the denial still comes back, before the noop's MN.
        for (String quiet : List.of("ms k 3 q\r\nbad\r\n", "md k q\r\n", "ma n q\r\n", "mg k T1 q\r\n")) {
            reader.send(quiet + "mn\r\n");
            assertEquals(DENIED, reader.readLine(), quiet);
            assertEquals("MN", reader.readLine(), quiet);
        }
        assertNothingChanged(cas);
    }

    @Test
    void everyBinaryWriteFormIsRefused() throws Exception {
        long cas = Long.parseLong(casOf("k"));
        byte[] none = new byte[0];
        byte[] delta = incrExtras(1, 0, 0);
        List<byte[]> writes = new ArrayList<>();
        for (int op : new int[] {0x01, 0x11}) { // Set, SetQ: existing key, new key, with the right CAS
            writes.addAll(List.of(set(op, "k", 0, 0, "bad", 0), set(op, "new", 0, 0, "bad", 0),
                    set(op, "k", 0, 0, "bad", cas)));
        }
        for (int op : new int[] {0x02, 0x12}) { // Add, AddQ
            writes.add(set(op, "new", 0, 0, "bad", 0));
        }
        for (int op : new int[] {0x03, 0x13}) { // Replace, ReplaceQ
            writes.add(set(op, "k", 0, 0, "bad", 0));
        }
        for (int op : new int[] {0x0e, 0x19, 0x0f, 0x1a}) { // Append, AppendQ, Prepend, PrependQ
            writes.add(request(op, "k", none, ascii("bad")));
        }
        for (int op : new int[] {0x04, 0x14}) { // Delete, DeleteQ
            writes.add(request(op, "k"));
        }
        for (int op : new int[] {0x05, 0x15, 0x06, 0x16}) { // Increment(Q), Decrement(Q): existing and new counter
            writes.addAll(List.of(request(op, "n", delta, none), request(op, "new", delta, none)));
        }
        for (int op : new int[] {0x1c, 0x1d, 0x1e, 0x23, 0x24}) { // Touch, GAT, GATQ, GATK, GATKQ
            writes.add(request(op, "k", int32(1), none));
        }
        writes.addAll(List.of(request(0x08), request(0x18), request(0x08, "", int32(0), none))); // Flush, FlushQ
        writes.add(request(0x01, ascii("k"), setExtras(0, 0), new byte[4096], 0, OPAQUE)); // over -I
        try (WireClient binary = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
            for (byte[] write : writes) {
                String what = String.format("opcode 0x%02x", write[1] & 0xFF);
                Response r = binary.call(write);
                assertEquals(0x20, r.status(), what);
                assertEquals(write[1], (byte) r.opcode(), what);
                assertEquals("Auth failure.", r.valueText(), what);
                assertEquals(0x0a, binary.call(request(0x0a)).opcode(), "stream out of step after " + what);
            }
            assertEquals("value", binary.call(request(0x00, "k")).valueText(), "reads still work");
        }
        assertNothingChanged(cas);
    }

    @Test
    void readsWork() throws Exception {
        assertEquals("value", reader.get("k"));
        reader.send("gets k n missing\r\n");
        assertTrue(reader.readLine().startsWith("VALUE k 3 5 "));
        assertEquals("value", reader.readLine());
        assertTrue(reader.readLine().startsWith("VALUE n 0 2 "));
        assertEquals("10", reader.readLine());
        assertEquals("END", reader.readLine());
        assertTrue(reader.stats("").containsKey("curr_items"));
        assertTrue(reader.stats("settings").containsKey("maxconns"));
        assertTrue(reader.call("version\r\n").startsWith("VERSION "));
        // gat with a time but no key changes nothing: memcached's plain END, not a denial.
        assertEquals("END", reader.call("gat 10\r\n"));
    }

    @Test
    void otherSourcesStillWrite() throws Exception {
        assertEquals("STORED", writer.call("set k 0 0 3\r\nnew\r\n"));
        assertEquals("11", writer.call("incr n 1\r\n"));
        assertEquals("DELETED", writer.call("delete k\r\n"));
        assertEquals(null, reader.get("k"));
        assertEquals("11", reader.get("n"));
    }

    private String casOf(String key) throws Exception {
        writer.send("gets " + key + "\r\n");
        String[] header = writer.readLine().split(" ");
        writer.readLine();
        assertEquals("END", writer.readLine());
        return header[4];
    }

    /** Issue 15 item 12: the recache token is a duty to write, so a read-only source never takes it. */
    @Test
    void readOnlySourceNeverWinsTheRecacheToken() throws Exception {
        assertEquals("HD", writer.call("md k I\r\n"));
        for (int i = 0; i < 3; i++) {
            String header = reader.call("mg k s v c\r\n");
            assertTrue(header.startsWith("VA 5 s5 c") && header.endsWith(" X"), header);
            assertEquals("value", reader.readLine());
        }
        String header = writer.call("mg k s v c\r\n");
        assertTrue(header.endsWith(" X W"), "the token is still there for a writer: " + header);
        assertEquals("value", writer.readLine());
        assertTrue(reader.call("mg k c\r\n").endsWith(" Z X"), "once won, readers see Z");

        // The recache threshold (R) hands out the token the same way: never to the read-only source.
        assertEquals("HD", reader.call("mg n R30\r\n").split(" ")[0]);
        assertEquals("STORED", writer.call("set r 0 10 1\r\nx\r\n"));
        assertEquals("HD", reader.call("mg r R30\r\n"));
        assertEquals("HD W", writer.call("mg r R30\r\n"));
    }

    /** Issue 15 item 12: {@code stats reset} zeroes counters the operator relies on; it is refused to a read-only source. */
    @Test
    void statsResetIsRefused() throws Exception {
        assertEquals("value", writer.get("k"));
        long hits = writer.stat("get_hits");
        assertTrue(hits >= 1);
        assertDenied("stats reset\r\n");
        assertEquals(hits, writer.stat("get_hits"), "the refused reset zeroed the counters");
        assertEquals("RESET", writer.call("stats reset\r\n"));
        assertEquals(0, writer.stat("get_hits"));
    }
}
