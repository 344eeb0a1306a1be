package org.bastion.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.bastion.store.ManualClock;
import org.bastion.transport.Server;
import org.bastion.testing.WireClient;
import org.bastion.testing.PolicyServers;

/**
 * {@code --read-only-from}: every text command that changes data or expiry is refused with
 * {@code CLIENT_ERROR access denied} and changes nothing; reads work; a refused storage command's data block is still
 * consumed, so the next command parses cleanly.
 */
class ReadOnlySourceTest {
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
        assertEquals("STORED", writer.call("set k 0 100 5\r\nvalue\r\n"));
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

    private void assertNothingChanged() throws Exception {
        assertEquals("value", writer.get("k"));
        assertEquals("10", writer.get("n"));
        assertEquals(null, writer.get("new"));
    }

    @Test
    void everyMutatingCommandIsRefused() throws Exception {
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

        clock.advance(50, TimeUnit.SECONDS);
        assertNothingChanged();
        assertEquals(String.valueOf(cas), casOf("k"), "the item was rewritten");
        assertFalse(server.terminated().isDone(), "a read-only source shut the server down");
    }

    @Test
    void readsWork() throws Exception {
        assertEquals("value", reader.get("k"));
        reader.send("gets k n missing\r\n");
        assertTrue(reader.readLine().startsWith("VALUE k 0 5 "));
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

    private String casOf(String key) throws Exception {
        writer.send("gets " + key + "\r\n");
        String[] header = writer.readLine().split(" ");
        writer.readLine();
        assertEquals("END", writer.readLine());
        return header[4];
    }
}
