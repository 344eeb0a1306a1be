package org.bastion.command;

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
 * Issue 15 item 5: {@code -I} holds for the result of append and prepend in every protocol. The reproducer's bytes go
 * to Debian's memcached and to Bastion, both under {@code -I 1m}, and the replies must be the same.
 */
class AppendSizeLimitTest {
    private static final int APPEND = 0x0e;
    private static final int PREPEND = 0x0f;
    private static final int SET = 0x01;
    private static final int GET = 0x00;

    private static MemcachedProcess memcached;
    private static Server bastion;

    @BeforeAll
    static void start() throws Exception {
        bastion = Server.start(Settings.builder().port(0).maxItemSize(1024 * 1024).build());
        memcached = MemcachedProcess.start("-I", "1m");
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

    private static String value(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    /** The reply of both servers; fails unless they are equal. */
    private static String both(String request) throws Exception {
        String expected = Exchange.text(memcached.port(), request);
        assertEquals(expected, Exchange.text(bastion.port(), request), "bastion differs from memcached");
        return expected;
    }

    @Test
    void textAppendAndPrependStopAtTheItemSizeLimit() throws Exception {
        String big = value('a', 600_000);
        assertEquals("STORED\r\nNOT_STORED\r\nHD s600000\r\n", both("set A1 0 0 600000\r\n" + big + "\r\n"
                + "append A1 0 0 600000\r\n" + big + "\r\n" + "mg A1 s\r\n"));
        assertEquals("STORED\r\nNOT_STORED\r\nHD s600000\r\n", both("set A2 0 0 600000\r\n" + big + "\r\n"
                + "prepend A2 0 0 600000\r\n" + big + "\r\n" + "mg A2 s\r\n"));
        // Under the limit an append still works: the rule is the combined size, not the size of either part.
        assertEquals("STORED\r\nSTORED\r\nHD s700000\r\n", both("set A3 0 0 600000\r\n" + big + "\r\n"
                + "append A3 0 0 100000\r\n" + value('b', 100_000) + "\r\n" + "mg A3 s\r\n"));
    }

    @Test
    void fiftyAppendsDoNotBuildAnItemOverTheLimit() throws Exception {
        StringBuilder request = new StringBuilder("set A4 0 0 600000\r\n" + value('a', 600_000) + "\r\n");
        for (int i = 0; i < 50; i++) {
            request.append("append A4 0 0 600000\r\n").append(value('a', 600_000)).append("\r\n");
        }
        request.append("mg A4 s\r\n");
        String reply = both(request.toString());
        assertEquals("STORED\r\n" + "NOT_STORED\r\n".repeat(50) + "HD s600000\r\n", reply);
    }

    @Test
    void metaAppendModesStopAtTheItemSizeLimit() throws Exception {
        String big = value('m', 600_000);
        assertEquals("HD\r\nNS\r\nNS\r\nHD s600000\r\n", both("ms M1 600000\r\n" + big + "\r\n"
                + "ms M1 600000 MA\r\n" + big + "\r\n" + "ms M1 600000 MP\r\n" + big + "\r\n" + "mg M1 s\r\n"));
    }

    @Test
    void binaryAppendAndPrependAnswerNotStored() throws Exception {
        String big = value('b', 600_000);
        byte[][] frames = {
                BinaryFrames.set(SET, "B1", 0, 0, big, 0),
                BinaryFrames.request(APPEND, "B1", new byte[0], BinaryFrames.ascii(big)),
                BinaryFrames.request(PREPEND, "B1", new byte[0], BinaryFrames.ascii(big)),
                BinaryFrames.request(GET, "B1"),
        };
        List<BinaryFrames.Response> expected = Exchange.binary(memcached.port(), frames);
        List<BinaryFrames.Response> actual = Exchange.binary(bastion.port(), frames);
        assertEquals(4, expected.size());
        assertEquals(4, actual.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(expected.get(i).status(), actual.get(i).status(), "status of response " + i);
            assertEquals(expected.get(i).valueText(), actual.get(i).valueText(), "body of response " + i);
        }
        assertEquals(0x0005, actual.get(1).status());
        assertEquals(0x0005, actual.get(2).status());
        assertEquals(600_000, actual.get(3).value().length);
    }
}
