package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.bastion.config.Settings;
import org.bastion.testing.Exchange;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 item 10: an announced value length memcached cannot hold in an int once it adds 2 for the data's CRLF is a
 * malformed line ({@code CLIENT_ERROR bad command line format}), not an oversized value. Lengths around 2^31 go to
 * Debian's memcached and to Bastion; each line is followed by {@code mn}, which both must then read as a command.
 */
class AnnouncedLengthTest {
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

    @ParameterizedTest
    @ValueSource(strings = {"set k 0 0 2147483647\r\n", "set k 0 0 2147483646\r\n", "set k 0 0 2147483648\r\n",
            "set k 0 0 4294967295\r\n", "set k 0 0 9223372036854775807\r\n", "set k 0 0 -1\r\n",
            "add k 0 0 2147483647\r\n", "cas k 0 0 2147483646 1\r\n", "append k 0 0 2147483647\r\n",
            "ms k 2147483647\r\n", "ms k 2147483646 T0\r\n", "ms k 2147483648\r\n"})
    void lengthsPastIntMaxMinusTwoAreBadFormat(String line) throws Exception {
        String expected = Exchange.text(memcached.port(), line);
        assertEquals(expected, Exchange.text(bastion.port(), line));
        assertEquals("CLIENT_ERROR bad command line format\r\n", expected);
    }

    /**
     * INT_MAX - 2 is still a length: too large for the cache, and its bytes are swallowed. memcached answers only once
     * it has swallowed them, so this one is Bastion's alone.
     */
    @Test
    void intMaxMinusTwoIsTooLargeNotMalformed() throws Exception {
        try (WireClient c = WireClient.connect(bastion.port())) {
            c.send("set k 0 0 2147483645\r\n");
            assertEquals("SERVER_ERROR object too large for cache\r\n", c.readUntil("\r\n"));
        }
    }
}
