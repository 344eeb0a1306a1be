package org.bastion.protocol.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.bastion.config.Settings;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sends the same seeded stream of generated meta commands, malformed ones included, to Debian's memcached and to
 * Bastion, and requires identical replies once CAS values and times in seconds are masked.
 */
class MetaDifferentialTest {
    /** Override with -Dbastion.meta.seed=N and -Dbastion.meta.commands=N for longer runs. */
    private static final long SEED = Long.getLong("bastion.meta.seed", 0x5EED_4A11L);
    private static final int COMMANDS = Integer.getInteger("bastion.meta.commands", 4000);
    private static final String[] KEYS = {"a", "b", "cnt", "st"};

    private static MemcachedProcess memcached;
    private static int memcachedPort;
    private static Server bastion;

    @BeforeAll
    static void start() throws Exception {
        bastion = Server.start(Settings.builder().port(0).build());
        // Without its LRU maintainer and crawler threads, memcached's meta arithmetic is deterministic: those threads
        // briefly hold item references, and a held item makes ma write a new item instead of rewriting in place.
        memcached = MemcachedProcess.start("-o", "no_lru_crawler,no_lru_maintainer");
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

    /** One connection that answers each command followed by {@code mn}, so quiet replies stay in step. */
    private static final class Conn implements AutoCloseable {
        final WireClient wire;

        Conn(int port) throws IOException {
            wire = WireClient.connect(port).timeoutMillis(5_000);
        }

        String exchange(String request) throws IOException {
            wire.send(request + "mn\r\n");
            return wire.readUntilOrGiveUp(s -> s.equals("MN\r\n") || s.endsWith("\nMN\r\n"));
        }

        /** This server's current CAS of the key (0 on a miss), read without touching access bookkeeping. */
        long cas(String key) throws IOException {
            String r = exchange("me " + key + "\r\n");
            int at = r.indexOf("cas=");
            return at < 0 ? 0 : Long.parseLong(r.substring(at + 4, r.indexOf(' ', at)));
        }

        @Override
        public void close() throws IOException {
            wire.close();
        }
    }

    static String mask(String reply) {
        return reply.replaceAll("(?m)^(VALUE \\S+ \\d+ \\d+) \\d+", "$1 #").replaceAll(" c\\d+", " c#").replaceAll("cas=\\d+", "cas=#").replaceAll(" t\\d+", " t#")
                .replaceAll(" l\\d+", " l#").replaceAll("exp=-?\\d+", "exp=#").replaceAll("la=\\d+", "la=#");
    }

    /**
     * Issue 15 item 8: {@code x} is a flag of {@code md}/{@code ms} only; {@code mg} and {@code ma} refuse it as
     * memcached 1.6.18 does (each with its own error line), from the reproducer {@code mg <key> x} on.
     */
    @Test
    void removeValueFlagIsRefusedByMgAndMaAsMemcachedDoes() throws Exception {
        String[] requests = {"set x8 0 0 1\r\n1\r\n", "mg x8 x\r\n", "mg x8 v x\r\n", "mg x8missing x\r\n",
                "mg x8 x v\r\n", "ma x8 x\r\n", "ma x8 v x\r\n", "mg x8 v\r\n"};
        try (Conn ref = new Conn(memcachedPort); Conn us = new Conn(bastion.port())) {
            for (String request : requests) {
                assertEquals(ref.exchange(request), us.exchange(request), request);
            }
            assertEquals("CLIENT_ERROR invalid flag\r\nMN\r\n", us.exchange("mg x8 x\r\n"));
            assertEquals("CLIENT_ERROR invalid or duplicate flag\r\nMN\r\n", us.exchange("ma x8 x\r\n"));
            assertEquals("VA 1\r\n1\r\nMN\r\n", us.exchange("mg x8 v\r\n"), "the refused ma changed nothing");
        }
    }

    @Test
    void generatedMetaStreamMatchesMemcached() throws Exception {
        Random random = new Random(SEED);
        List<String> mismatches = new ArrayList<>();
        java.util.Map<String, java.util.Set<String>> outcomes = new java.util.HashMap<>();
        java.util.Map<String, java.util.ArrayDeque<String>> histories = new java.util.HashMap<>();
        try (Conn ref = new Conn(memcachedPort); Conn us = new Conn(bastion.port())) {
            // Advance both CAS counters so "one below the current CAS" is never 0 (which means "no CAS").
            for (int i = 0; i < 5; i++) {
                ref.exchange("ms warmup 1 q\r\nx\r\n");
                us.exchange("ms warmup 1 q\r\nx\r\n");
            }
            ref.exchange("flush_all\r\n");
            us.exchange("flush_all\r\n");
            for (int i = 0; i < COMMANDS; i++) {
                String template = generate(random);
                String key = KEYS[random.nextInt(KEYS.length)];
                String forRef = substitute(template, key, ref);
                String forUs = substitute(template, key, us);
                String expected = mask(ref.exchange(forRef));
                String actual = mask(us.exchange(forUs));
                java.util.ArrayDeque<String> history = histories.computeIfAbsent(key, k -> new java.util.ArrayDeque<>());
                history.addLast("#" + i + " " + forRef.replace("\r\n", "\\r\\n") + " -> "
                        + expected.replace("\r\n", "\\r\\n"));
                if (history.size() > 12) {
                    history.removeFirst();
                }
                String code = expected.length() >= 2 ? expected.substring(0, 2) : expected;
                if (forRef.length() > 2 && forRef.charAt(0) == 'm') {
                    outcomes.computeIfAbsent(forRef.substring(0, 2), k -> new java.util.TreeSet<>()).add(code);
                }
                if (!expected.equals(actual)) {
                    if (mismatches.isEmpty()) {
                        mismatches.add("history before the first difference:\n" + String.join("\n", history));
                    }
                    mismatches.add("#" + i + " " + forRef.replace("\r\n", "\\r\\n") + "\n  memcached: "
                            + expected.replace("\r\n", "\\r\\n") + "\n  bastion:   "
                            + actual.replace("\r\n", "\\r\\n"));
                }
            }
        }
        assertEquals(List.of(), mismatches, "replies that differ from memcached 1.6.18");
        // The stream must really reach every outcome, not just errors.
        assertTrue(outcomes.get("mg").containsAll(java.util.Set.of("CL", "EN", "HD", "VA")), "mg outcomes: " + outcomes.get("mg"));
        assertTrue(outcomes.get("ms").containsAll(java.util.Set.of("CL", "EX", "HD", "MN", "NF", "NS")), "ms outcomes: " + outcomes.get("ms"));
        assertTrue(outcomes.get("md").containsAll(java.util.Set.of("CL", "EX", "HD", "MN", "NF")), "md outcomes: " + outcomes.get("md"));
        assertTrue(outcomes.get("ma").containsAll(java.util.Set.of("CL", "EX", "HD", "MN", "NF", "VA")), "ma outcomes: " + outcomes.get("ma"));
        assertTrue(outcomes.get("me").containsAll(java.util.Set.of("CL", "EN", "ME")), "me outcomes: " + outcomes.get("me"));
    }

    /** {@code {K}} is the key, {@code {CAS}} and {@code {OLDCAS}} this server's current CAS and one below it. */
    private static String substitute(String template, String key, Conn conn) throws IOException {
        String s = template.replace("{K}", key).replace("{B64}",
                Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.ISO_8859_1)));
        if (s.contains("{CAS}") || s.contains("{OLDCAS}")) {
            long cas = conn.cas(key);
            s = s.replace("{CAS}", Long.toString(cas)).replace("{OLDCAS}", Long.toString(cas - 1));
        }
        return s;
    }

    private static final String[] GET_FLAGS = {"v", "s", "f", "t", "c", "h", "l", "k", "q", "u", "Oop1", "N30", "N0",
        "R5000", "R10", "T100", "T0", "P/path", "Lloc"};
    private static final String[] SET_FLAGS = {"c", "k", "q", "F7", "F0", "T100", "T0", "MS", "ME", "MA", "MP", "MR",
        "C{CAS}", "C{OLDCAS}", "I", "Oop2"};
    private static final String[] DELETE_FLAGS = {"q", "k", "Oop3", "I", "T50", "C{CAS}", "C{OLDCAS}"};
    private static final String[] ARITH_FLAGS = {"v", "q", "t", "c", "k", "N0", "N100", "J7", "D3", "D18446744073709551615",
        "MI", "M+", "MD", "M-", "T200", "C{CAS}", "C{OLDCAS}", "Oop4"};
    private static final String[] BAD_FLAGS = {"Z", "Tx", "N", "Rq", "F1x", "Cx", "Mxy", "MZ", "Jq", "Dq",
        "O" + "o".repeat(40), "vv", "\u00e9"};

    private static String flags(Random r, String[] pool, int max) {
        StringBuilder sb = new StringBuilder();
        List<String> chosen = new ArrayList<>();
        int n = r.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            String f = pool[r.nextInt(pool.length)];
            if (chosen.stream().noneMatch(c -> c.charAt(0) == f.charAt(0))) {
                chosen.add(f);
            }
        }
        if (r.nextInt(12) == 0) {
            chosen.add(r.nextInt(chosen.size() + 1), BAD_FLAGS[r.nextInt(BAD_FLAGS.length)]);
        }
        for (String f : chosen) {
            sb.append(' ').append(f);
        }
        return sb.toString();
    }

    private static String value(Random r) {
        if (r.nextInt(3) == 0) {
            return Integer.toString(r.nextInt(1000));
        }
        StringBuilder sb = new StringBuilder();
        int len = r.nextInt(12);
        for (int i = 0; i < len; i++) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return sb.toString();
    }

    static String generate(Random r) {
        String key = r.nextInt(10) == 0 ? "{B64} b" : "{K}";
        switch (r.nextInt(20)) {
            case 0, 1, 2, 3, 4, 5 -> {
                return "mg " + key + flags(r, GET_FLAGS, 6) + "\r\n";
            }
            case 6, 7, 8, 9 -> {
                String v = value(r);
                return "ms " + key + " " + v.length() + flags(r, SET_FLAGS, 4) + "\r\n" + v + "\r\n";
            }
            case 10, 11 -> {
                return "md " + key + flags(r, DELETE_FLAGS, 3) + "\r\n";
            }
            case 12, 13, 14 -> {
                return "ma " + key + flags(r, ARITH_FLAGS, 5) + "\r\n";
            }
            case 15 -> {
                return "me " + key + "\r\n";
            }
            case 16 -> {
                String v = value(r);
                return "set {K} 0 0 " + v.length() + "\r\n" + v + "\r\n";
            }
            default -> {
                String[] malformed = {"mg\r\n", "ms {K}\r\n", "ms {K} -1\r\n", "ms {K} x\r\n", "mz {K}\r\n",
                    "me\r\n", "mg " + "k".repeat(251) + " v\r\n", "md " + "k".repeat(251) + "\r\n",
                    "ms {K} 1 T0\r\nxyz\r\n", "mg {K}" + " P".repeat(18) + "\r\n",
                    "ms {K} 2" + " P".repeat(17) + "\r\nhi\r\n", "ma {K} Mq\r\n", "ms {K} 2 MQ\r\nhi\r\n",
                    "mg Zm9 b v\r\n", "me Zm9 b\r\n", "gets {K}\r\n"};
                return malformed[r.nextInt(malformed.length)];
            }
        }
    }
}
