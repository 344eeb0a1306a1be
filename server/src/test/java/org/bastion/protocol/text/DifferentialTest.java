package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastion.Bastion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;

/**
 * The same seeded command stream, malformed input included, goes to Debian's memcached (started here) and to Bastion
 * over separate connections; the replies must be byte-identical once the CAS values in {@code gets} replies are masked.
 * See {@link CommandStreamGenerator} for what the stream holds and leaves out. Rerun one seed with
 * {@code -Ddifferential.seed=N}.
 */
class DifferentialTest {
    private static final byte[] MARKER_COMMAND = "mn\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MARKER_REPLY = "MN\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern VALUE_WITH_CAS = Pattern.compile("VALUE (\\S+) (\\d+) (\\d+) (\\d+)\r\n");
    /** A value block holding a counter: digits, then the spaces memcached may or may not have padded it with. */
    private static final Pattern PADDED_COUNTER = Pattern.compile("(VALUE \\S+ \\d+ )\\d+((?: <cas>)?\r\n)(\\d+) *\r\n");

    private static final String STATE_PROBE = "gets k0 k1 k2 k3 k4 k5 k6 k7 n n2 " + "x".repeat(250) + "\r\n";

    private static MemcachedProcess memcached;
    private static Bastion bastion;

    @BeforeAll
    static void start() throws Exception {
        memcached = MemcachedProcess.start();
        bastion = Bastion.builder().settings(s -> s.port(0)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (bastion != null) {
            bastion.close();
        }
        if (memcached != null) {
            memcached.close();
        }
    }

    /** One unit at a time, each followed by {@code mn} so the end of its reply is known. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void oneUnitAtATimeGivesIdenticalReplies(long seed) throws IOException {
        long chosen = Long.getLong("differential.seed", seed);
        List<String> units = new CommandStreamGenerator(chosen).units(1500);
        try (Peer reference = new Peer(memcached.port()); Peer ours = new Peer(bastion.port())) {
            reference.exchange("flush_all\r\n");
            ours.exchange("flush_all\r\n");
            for (int i = 0; i < units.size(); i++) {
                String unit = units.get(i);
                String expected;
                String actual;
                try {
                    expected = reference.exchange(unit);
                    actual = ours.exchange(unit);
                } catch (IOException e) {
                    throw new IOException("seed " + chosen + " unit " + i + ": " + shorten(unit), e);
                }
                if (!expected.equals(actual)) {
                    fail("seed " + chosen + " unit " + i + ": " + shorten(unit) + "\n" + difference(expected, actual));
                }
                // Equal replies could hide different state: read every key back after each unit.
                String expectedState = reference.exchange(STATE_PROBE);
                String actualState = ours.exchange(STATE_PROBE);
                if (!expectedState.equals(actualState)) {
                    fail("seed " + chosen + " state after unit " + i + ": " + shorten(unit) + "\n"
                            + difference(expectedState, actualState));
                }
            }
        }
    }

    /** Fifty units per write, as a pipelining client sends them; the whole batch's replies must match. */
    @Test
    void pipelinedBatchesGiveIdenticalReplies() throws IOException {
        long seed = Long.getLong("differential.seed", 99);
        List<String> units = new CommandStreamGenerator(seed).units(2000);
        try (Peer reference = new Peer(memcached.port()); Peer ours = new Peer(bastion.port())) {
            reference.exchange("flush_all\r\n");
            ours.exchange("flush_all\r\n");
            int batches = 0;
            int from = 0;
            while (from < units.size()) {
                // A batch ends before a unit that would make memcached drop earlier replies; that unit goes alone.
                int to = from + 1;
                if (!CommandStreamGenerator.discardsEarlierReplies(units.get(from))) {
                    while (to < Math.min(units.size(), from + 50)
                            && !CommandStreamGenerator.discardsEarlierReplies(units.get(to))) {
                        to++;
                    }
                }
                String batch = String.join("", units.subList(from, to));
                String expected = reference.exchange(batch);
                String actual = ours.exchange(batch);
                if (!expected.equals(actual)) {
                    fail("seed " + seed + " batch of units " + from + ".." + (to - 1) + ": " + difference(expected, actual));
                }
                batches++;
                from = to;
            }
            assertTrue(batches >= 40 && batches < 200, batches + " batches");
        }
    }

    /** The generator is worth something only if the stream reaches the interesting replies. */
    @Test
    void streamCoversEveryReplyKind() throws IOException {
        List<String> units = new CommandStreamGenerator(1).units(1500);
        StringBuilder all = new StringBuilder();
        try (Peer reference = new Peer(memcached.port())) {
            reference.exchange("flush_all\r\n");
            for (String unit : units) {
                all.append(reference.exchange(unit));
            }
        }
        String replies = all.toString();
        for (String kind : new String[] {"STORED\r\n", "NOT_STORED\r\n", "EXISTS\r\n", "NOT_FOUND\r\n", "DELETED\r\n",
                "TOUCHED\r\n", "VALUE ", "END\r\n", "OK\r\n", "ERROR\r\n", "VERSION ", "CLIENT_ERROR bad command line format\r\n",
                "CLIENT_ERROR bad data chunk\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n",
                "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
                "CLIENT_ERROR invalid exptime argument\r\n", "SERVER_ERROR object too large for cache\r\n",
                " <cas>\r\n"}) {
            assertTrue(replies.contains(kind), "no " + kind.trim() + " in the replies of seed 1");
        }
    }

    /** Where two replies part, with some context, escaped so CR and LF show. */
    private static String difference(String expected, String actual) {
        int at = 0;
        while (at < expected.length() && at < actual.length() && expected.charAt(at) == actual.charAt(at)) {
            at++;
        }
        int from = Math.max(0, at - 120);
        return "replies differ at char " + at + "\n  memcached: ..." + shorten(expected.substring(from, Math.min(expected.length(), at + 200)))
                + "\n  bastion:   ..." + shorten(actual.substring(from, Math.min(actual.length(), at + 200)));
    }

    private static String shorten(String unit) {
        String s = unit.length() > 300 ? unit.substring(0, 300) + "...(" + unit.length() + " chars)" : unit;
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }

    /** One server's connection, remembering the CAS values it handed out so {@code cas} units can use them. */
    private static final class Peer implements AutoCloseable {
        private final WireClient connection;
        private final Map<String, String> lastCas = new HashMap<>();

        Peer(int port) throws IOException {
            connection = WireClient.connect(port);
        }

        /** Sends the unit (CAS placeholders resolved) and the marker; returns the reply with CAS values masked. */
        String exchange(String unit) throws IOException {
            connection.send(resolveCas(unit).getBytes(StandardCharsets.ISO_8859_1));
            connection.send(MARKER_COMMAND);
            byte[] got = connection.readUntil(MARKER_REPLY);
            String reply = new String(got, 0, got.length - MARKER_REPLY.length, StandardCharsets.ISO_8859_1);
            Matcher m = VALUE_WITH_CAS.matcher(reply);
            StringBuilder masked = new StringBuilder();
            while (m.find()) {
                lastCas.put(m.group(1), m.group(4));
                m.appendReplacement(masked, Matcher.quoteReplacement(
                        "VALUE " + m.group(1) + " " + m.group(2) + " " + m.group(3) + " <cas>\r\n"));
            }
            m.appendTail(masked);
            Matcher counter = PADDED_COUNTER.matcher(masked);
            StringBuilder normalised = new StringBuilder();
            while (counter.find()) {
                counter.appendReplacement(normalised, Matcher.quoteReplacement(counter.group(1)
                        + counter.group(3).length() + counter.group(2) + counter.group(3) + "\r\n"));
            }
            counter.appendTail(normalised);
            return normalised.toString();
        }

        private String resolveCas(String unit) {
            int at = unit.indexOf(CommandStreamGenerator.CAS_PREFIX);
            if (at < 0) {
                return unit;
            }
            int end = unit.indexOf('}', at);
            String key = unit.substring(at + CommandStreamGenerator.CAS_PREFIX.length(), end);
            return unit.substring(0, at) + lastCas.getOrDefault(key, "1") + unit.substring(end + 1);
        }

        @Override
        public void close() throws IOException {
            connection.close();
        }
    }
}
