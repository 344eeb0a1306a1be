package org.bastion.protocol.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded stream of text-protocol "units" for the differential test: valid commands of every kind and malformed
 * input. Each unit leaves a server back at the start of a command line (a storage command always carries a data block
 * of exactly the length the server will read, even when that block is "wrong"), so replies can be compared per unit.
 *
 * <p>Left out on purpose: {@code stats} (values differ by nature), small relative expiry times and delayed flushes
 * that could fire during the test (timing), {@code quit}, HTTP request lines and over-long lines (they close the
 * connection; the handler unit tests cover them), meta commands (another issue), and values whose length lies between
 * 1 MiB minus memcached's item header and 1 MiB (Bastion's {@code -I} counts value bytes only; see the README).
 * Values and keys never contain 'm' or 'q', so no data line read as a command can be a meta command or {@code quit},
 * and {@code mn}, which the runner uses as its end-of-unit marker, cannot appear in a reply by accident.
 *
 * <p>Counters live under {@code n} and {@code n2}, written only by {@code set} with a number, and only they hold
 * numbers ({@code incr} on any other key meets a value starting with a letter). memcached rewrites a shortened counter in
 * place, padded with spaces, only when nothing else holds a reference to the item, and a pending asynchronous LRU bump
 * after a recent read is such a reference; so whether a counter keeps its trailing spaces depends on timing there,
 * while Bastion always pads. The runner therefore compares counters without trailing spaces, and no command that would
 * expose the padding (append, prepend) touches a counter.
 */
final class CommandStreamGenerator {
    /** Replaced per server by the CAS value that server last returned for the key. */
    static final String CAS_PREFIX = "{cas:";
    private static final String VALUE_CHARS = "abcdefghijklnoprstuvwxyz0123456789";
    private static final String[] STORAGE = {"set", "add", "replace", "append", "prepend"};
    /**
     * Never, relative times far longer than a run (so nothing expires mid-run, however slow the machine), negative,
     * absolute times in the past (beyond 30 days, so absolute) and beyond 2^31 (truncated to 32 bits, so negative).
     */
    private static final String[] EXPTIMES = {"0", "0", "0", "1000", "86400", "2592000", "-1", "-100", "2592001",
            "1000000000", "4102444800", "+1000", "01000", " 0"};

    private final Random random;
    private final List<String> keys = new ArrayList<>();

    CommandStreamGenerator(long seed) {
        this.random = new Random(seed);
        for (int i = 0; i < 8; i++) {
            keys.add("k" + i);
        }
        keys.add("x".repeat(250));
    }

    /**
     * Whether the unit is a retrieval with a key over 250 bytes. memcached then discards every reply it has not yet
     * sent on the connection, including replies to earlier pipelined commands read in the same batch; Bastion answers
     * those (README, differences). Pipelined runs send such a unit on its own.
     */
    static boolean discardsEarlierReplies(String unit) {
        return (unit.startsWith("get") || unit.startsWith("gat")) && unit.contains("y".repeat(251));
    }

    List<String> units(int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(next());
        }
        return out;
    }

    String next() {
        int pick = random.nextInt(100);
        if (pick < 22) {
            return storage();
        } else if (pick < 27) {
            return counterSet();
        } else if (pick < 32) {
            return cas();
        } else if (pick < 46) {
            return retrieval();
        } else if (pick < 52) {
            return delete();
        } else if (pick < 62) {
            return arithmetic();
        } else if (pick < 67) {
            return touch();
        } else if (pick < 69) {
            return flushAll();
        } else if (pick < 72) {
            return misc();
        } else if (pick < 80) {
            return wrongDataLength();
        } else if (pick < 88) {
            return badStorageLine();
        } else if (pick < 89) {
            return oversize();
        } else {
            return garbage();
        }
    }

    /** A key that storage commands write: never a counter, and its values start with a letter. */
    private String key() {
        return keys.get(random.nextInt(keys.size()));
    }

    /** Any key, counters included, for commands that read, touch or delete. */
    private String anyKey() {
        int pick = random.nextInt(keys.size() + 2);
        return pick < keys.size() ? keys.get(pick) : pick == keys.size() ? "n" : "n2";
    }

    private String noreply() {
        return random.nextInt(6) == 0 ? " noreply" : "";
    }

    private String eol() {
        int r = random.nextInt(20);
        return r == 0 ? "\n" : r == 1 ? "   \r\n" : "\r\n";
    }

    private String value(int length) {
        StringBuilder s = new StringBuilder(length);
        if (length > 0) {
            s.append((char) ('a' + random.nextInt(12)));
        }
        for (int i = 1; i < length; i++) {
            s.append(random.nextInt(12) == 0 ? ' ' : VALUE_CHARS.charAt(random.nextInt(VALUE_CHARS.length())));
        }
        return s.toString();
    }

    private String flags() {
        return switch (random.nextInt(8)) {
            case 0 -> "4294967295";
            case 1 -> Integer.toString(random.nextInt(1 << 16));
            case 2 -> "4294967296";
            case 3 -> "-1";
            default -> Integer.toString(random.nextInt(10));
        };
    }

    private String exptime() {
        return EXPTIMES[random.nextInt(EXPTIMES.length)];
    }

    private String storage() {
        String cmd = STORAGE[random.nextInt(STORAGE.length)];
        String flags = flags();
        int len = random.nextInt(10) == 0 ? 0 : random.nextInt(random.nextBoolean() ? 10 : 3000);
        if (flags.startsWith("-")) {
            // Refused before its data, whose line is then read as a command: keep it well under the 2048-byte line
            // limit, or whether the connection closes depends on how TCP splits the bytes, on both servers.
            len = Math.min(len, 500);
        }
        return cmd + " " + key() + " " + flags + " " + exptime() + " " + len + noreply() + eol()
                + value(len) + "\r\n";
    }

    private String counterSet() {
        String number = switch (random.nextInt(7)) {
            case 0 -> "18446744073709551615";
            case 1 -> "18446744073709551614";
            case 2 -> "18446744073709551616";
            case 3 -> " 12";
            case 4 -> random.nextBoolean() ? "12abc" : "12\u0000ab";
            case 5 -> "0" + random.nextInt(1000);
            default -> Long.toString(random.nextInt(100_000));
        };
        String key = random.nextBoolean() ? "n" : "n2";
        return "set " + key + " 0 0 " + number.length() + eol() + number + "\r\n";
    }

    private String cas() {
        String key = key();
        String unique = switch (random.nextInt(4)) {
            case 0 -> "18446744073709551615";
            case 1 -> "abc";
            default -> CAS_PREFIX + key + "}";
        };
        if (random.nextInt(10) == 0) {
            // Missing cas token: memcached answers ERROR, then reads the data line as a command.
            return "cas " + key + " 0 0 1" + eol() + "z\r\n";
        }
        int len = random.nextInt(20);
        return "cas " + key + " " + flags() + " " + exptime() + " " + len + " " + unique + noreply() + eol()
                + value(len) + "\r\n";
    }

    private String retrieval() {
        String cmd = switch (random.nextInt(6)) {
            case 0, 1 -> "get";
            case 2, 3 -> "gets";
            case 4 -> "gat " + exptime();
            default -> "gats " + exptime();
        };
        int n = random.nextInt(8) == 0 ? random.nextInt(40) : 1 + random.nextInt(3);
        StringBuilder s = new StringBuilder(cmd);
        for (int i = 0; i < n; i++) {
            s.append(random.nextInt(4) == 0 ? "  " : " ").append(random.nextInt(60) == 0 ? "y".repeat(251) : anyKey());
        }
        return s + eol();
    }

    private String delete() {
        String tail = switch (random.nextInt(8)) {
            case 0 -> " 0";
            case 1 -> " 0 noreply";
            case 2 -> " noreply";
            case 3 -> " 5";
            case 4 -> " a b c";
            default -> "";
        };
        return "delete " + (random.nextInt(30) == 0 ? "y".repeat(251) : anyKey()) + tail + eol();
    }

    private String arithmetic() {
        String cmd = random.nextBoolean() ? "incr" : "decr";
        String delta = switch (random.nextInt(10)) {
            case 0 -> "18446744073709551615";
            case 1 -> "18446744073709551616";
            case 2 -> "-1";
            case 3 -> "abc";
            case 4 -> "1000000";
            default -> Integer.toString(random.nextInt(200));
        };
        String key = random.nextInt(4) == 0 ? key() : (random.nextBoolean() ? "n" : "n2");
        if (random.nextInt(20) == 0) {
            return cmd + " " + key + eol();
        }
        return cmd + " " + key + " " + delta + noreply() + eol();
    }

    private String touch() {
        String exptime = random.nextInt(8) == 0 ? "abc" : exptime();
        if (random.nextInt(20) == 0) {
            return "touch " + anyKey() + eol();
        }
        return "touch " + anyKey() + " " + exptime + noreply() + eol();
    }

    private String flushAll() {
        // No absolute times in the past: memcached treats one before its own start as "flush nothing" and, worse,
        // cancels earlier flushes so flushed items come back; Bastion flushes everything (README, differences).
        return switch (random.nextInt(7)) {
            case 0 -> "flush_all" + eol();
            case 1 -> "flush_all 0" + eol();
            case 2 -> "flush_all -1" + eol();
            case 3 -> "flush_all noreply" + eol();
            case 4 -> "flush_all abc" + eol();
            case 5 -> "flush_all 0 noreply" + eol();
            default -> "flush_all 1 2 3" + eol();
        };
    }

    private String misc() {
        return switch (random.nextInt(7)) {
            case 0 -> "version" + eol();
            case 1 -> "version x y" + eol();
            case 2 -> "verbosity" + eol();
            case 3 -> "verbosity 1" + eol();
            case 4 -> "verbosity 1 noreply" + eol();
            case 5 -> "verbosity abc" + eol();
            default -> "shutdown" + eol();
        };
    }

    /** A data block that is not followed by CRLF: longer than declared, or shorter and padded to the same size. */
    private String wrongDataLength() {
        String cmd = STORAGE[random.nextInt(STORAGE.length)];
        int declared = random.nextInt(20);
        String data;
        if (random.nextBoolean() || declared < 3) {
            data = value(declared + 1 + random.nextInt(5));
        } else {
            // Shorter data with its CRLF, then bytes the server still counts into the block.
            int shorter = random.nextInt(declared - 1);
            data = value(shorter) + "\r\n" + value(declared - shorter);
        }
        return cmd + " " + key() + " 0 0 " + declared + noreply() + eol() + data + "\r\n";
    }

    /** A storage line the server refuses before reading data; the data line is then read as a command. */
    private String badStorageLine() {
        String cmd = STORAGE[random.nextInt(STORAGE.length)];
        String line = switch (random.nextInt(10)) {
            case 0 -> cmd + " " + "y".repeat(251) + " 0 0 1";
            case 1 -> cmd + " k0 abc 0 1";
            case 2 -> cmd + " k0 0 abc 1";
            case 3 -> cmd + " k0 0 0 -1";
            case 4 -> cmd + " k0 0 0 abc";
            case 5 -> cmd + " k0 0 0";
            case 6 -> cmd + " k0 0 0 1 2 3";
            case 7 -> cmd + " k0 18446744073709551616 0 1";
            case 8 -> cmd;
            default -> cmd + " k0 0 99999999999999999999 1";
        };
        return line + noreply() + eol() + value(1 + random.nextInt(4)).trim() + "x\r\n";
    }

    /** A value over the 1 MiB item limit: refused, swallowed, and for set the old value removed. */
    private String oversize() {
        String cmd = random.nextBoolean() ? "set" : STORAGE[random.nextInt(STORAGE.length)];
        int len = 1024 * 1024 + 1 + random.nextInt(1000);
        return cmd + " " + key() + " 0 0 " + len + noreply() + "\r\n" + "v".repeat(len) + "\r\n";
    }

    private String garbage() {
        return switch (random.nextInt(12)) {
            case 0 -> "\r\n";
            case 1 -> "\n";
            case 2 -> "SET k0 0 0 1\r\n";
            case 3 -> "GET k0\r\n";
            case 4 -> "x\r\n";
            case 5 -> "bogus command here\r\n";
            case 6 -> "   \r\n";
            case 7 -> "get\r\n";
            case 8 -> "incr\r\n";
            case 9 -> "touch\r\n";
            case 10 -> "set k0\t0 0 1\r\nz\r\n";
            default -> "gets k0\t k1\r\n";
        };
    }
}
