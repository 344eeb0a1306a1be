package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;

/**
 * Proves the expected bytes in {@link TextFixtures} are Debian memcached's: each fixture is replayed against a
 * memcached started here, on an empty cache, and must give exactly the fixture's reply (CAS values masked).
 */
class TextFixturesMatchMemcachedTest {
    private static MemcachedProcess memcached;

    @BeforeAll
    static void start() throws Exception {
        memcached = MemcachedProcess.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (memcached != null) {
            memcached.close();
        }
    }

    static Stream<TextFixtures.Fixture> referenceFixtures() {
        return TextFixtures.all().stream().filter(f -> !f.bastionOnly());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceFixtures")
    void memcachedGivesTheFixtureReply(TextFixtures.Fixture fixture) throws IOException {
        String reply;
        try {
            reply = memcachedReply(fixture);
        } catch (IOException e) {
            if (!(e.getCause() instanceof java.net.SocketTimeoutException)) {
                throw new IOException("fixture \"" + fixture + "\": " + e.getMessage(), e);
            }
            // memcached itself was seen not to answer within the client's timeout under heavy machine load (twice in a
            // row, on one fixture, never on a quiet machine): ask once more on a fresh connection before failing.
            try {
                reply = memcachedReply(fixture);
            } catch (IOException again) {
                throw new IOException("fixture \"" + fixture + "\", asked twice: " + again.getMessage(), again);
            }
        }
        assertEquals(TextProtocolHandlerTest.maskCas(fixture.reply()), TextProtocolHandlerTest.maskCas(reply));
    }

    private static String memcachedReply(TextFixtures.Fixture fixture) throws IOException {
        try (WireClient c = WireClient.connect(memcached.port())) {
            c.send("flush_all\r\n");
            c.readUntil(bytes("OK\r\n"));
            c.send(fixture.request());
            String reply;
            if (fixture.closes()) {
                reply = WireClient.ascii(c.readToEnd());
            } else {
                // Then a marker, so a reply longer than expected shows up as a difference too.
                c.send("mn\r\n");
                byte[] got;
                got = c.readUntil(bytes("MN\r\n"));
                reply = new String(got, 0, got.length - 4, StandardCharsets.ISO_8859_1);
            }
            return reply;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
