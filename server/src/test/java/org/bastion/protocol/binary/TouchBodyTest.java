package org.bastion.protocol.binary;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.bastion.config.Settings;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.Exchange;
import org.bastion.testing.MemcachedProcess;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 item 11, a deliberate difference (docs/protocols.md): a binary Touch or GAT whose body is longer than its
 * key and extras. memcached reads only key and extras and then parses the rest of the body as the next request, so a
 * value can carry a second command past anything that frames requests by their body length; Bastion frames every
 * request by its body length, answers the Touch/GAT and drops the rest. Both answer the Touch/GAT itself the same.
 */
class TouchBodyTest {
    private static final int SET = 0x01;
    private static final int GET = 0x00;
    private static final int TOUCH = 0x1c;
    private static final int GAT = 0x1d;

    private static MemcachedProcess memcached;
    private static Server bastion;

    @BeforeAll
    static void start() throws Exception {
        bastion = Server.start(Settings.builder().port(0).build());
        memcached = MemcachedProcess.start();
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

    /** A Touch or GAT of "t" whose value is a whole Set request of {@code inner}. */
    private static byte[] carrying(int opcode, String inner) {
        byte[] set = BinaryFrames.set(SET, inner, 0, 0, "smuggled", 0);
        return BinaryFrames.request(opcode, BinaryFrames.ascii("t"), BinaryFrames.int32(0), set, 0, BinaryFrames.OPAQUE);
    }

    @Test
    void extraBodyBytesAreNotReadAsTheNextRequest() throws Exception {
        for (int opcode : new int[] {TOUCH, GAT}) {
            String inner = "inner" + opcode;
            byte[][] frames = {BinaryFrames.set(SET, "t", 0, 0, "v", 0), carrying(opcode, inner)};
            List<BinaryFrames.Response> ref = Exchange.binary(memcached.port(), frames);
            List<BinaryFrames.Response> us = Exchange.binary(bastion.port(), frames);
            // memcached: the set of t, the Touch/GAT, then the embedded Set as a request of its own.
            assertEquals(3, ref.size(), "memcached runs the embedded request");
            assertEquals(SET, ref.get(2).opcode());
            // Bastion: the set of t and the Touch/GAT, answered as memcached answers them, and nothing else.
            assertEquals(2, us.size());
            for (int i = 0; i < 2; i++) {
                assertEquals(ref.get(i).opcode(), us.get(i).opcode());
                assertEquals(ref.get(i).status(), us.get(i).status());
                assertEquals(ref.get(i).valueText(), us.get(i).valueText());
            }
            assertEquals(0, Exchange.binary(memcached.port(), BinaryFrames.request(GET, inner)).get(0).status());
            assertEquals(1, Exchange.binary(bastion.port(), BinaryFrames.request(GET, inner)).get(0).status(),
                    "the embedded Set was not run");
        }
    }
}
