package org.bastion.protocol.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Request and reply bytes for every text command and every error reply, each run on an empty cache. The same table
 * drives {@link TextProtocolHandlerTest} (Bastion's handler on an EmbeddedChannel) and
 * {@link TextFixturesMatchMemcachedTest} (Debian's memcached over TCP), so every expected byte string here is the
 * reference's own, except the few marked {@code bastionOnly} where the README documents a deliberate difference.
 */
final class TextFixtures {
    /** One exchange: {@code closes} means the server closes the connection after {@code reply}. */
    record Fixture(String name, String request, String reply, boolean closes, boolean bastionOnly) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String LONG_KEY = "k".repeat(251);
    static final String MAX_KEY = "k".repeat(250);
    static final int TOO_LARGE = 1024 * 1024 + 1;

    private TextFixtures() {
    }

    private static Fixture f(String name, String request, String reply) {
        return new Fixture(name, request, reply, false, false);
    }

    private static Fixture closes(String name, String request, String reply) {
        return new Fixture(name, request, reply, true, false);
    }

    static List<Fixture> all() {
        List<Fixture> out = new ArrayList<>();
        // storage
        out.add(f("set then get", "set a 0 0 1\r\nx\r\nget a\r\n", "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        out.add(f("set empty value", "set a 3 0 0\r\n\r\nget a\r\n", "STORED\r\nVALUE a 3 0\r\n\r\nEND\r\n"));
        out.add(f("set replaces", "set a 1 0 1\r\nx\r\nset a 2 0 2\r\nyz\r\nget a\r\n",
                "STORED\r\nSTORED\r\nVALUE a 2 2\r\nyz\r\nEND\r\n"));
        out.add(f("flags are 32-bit unsigned", "set a 4294967295 0 1\r\nx\r\nget a\r\n",
                "STORED\r\nVALUE a 4294967295 1\r\nx\r\nEND\r\n"));
        out.add(f("negative flags", "set a -1 0 1\r\nx\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n"));
        out.add(f("add new", "add a 0 0 1\r\nx\r\n", "STORED\r\n"));
        out.add(f("add existing", "set a 0 0 1\r\nx\r\nadd a 0 0 1\r\ny\r\nget a\r\n",
                "STORED\r\nNOT_STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        out.add(f("replace missing", "replace a 0 0 1\r\nx\r\nget a\r\n", "NOT_STORED\r\nEND\r\n"));
        out.add(f("replace existing", "set a 0 0 1\r\nx\r\nreplace a 4 0 1\r\ny\r\nget a\r\n",
                "STORED\r\nSTORED\r\nVALUE a 4 1\r\ny\r\nEND\r\n"));
        out.add(f("append and prepend missing", "append a 0 0 1\r\nx\r\nprepend a 0 0 1\r\nx\r\n",
                "NOT_STORED\r\nNOT_STORED\r\n"));
        out.add(f("append and prepend keep flags", "set a 5 0 1\r\nb\r\nappend a 9 0 1\r\nc\r\nprepend a 7 0 1\r\na\r\nget a\r\n",
                "STORED\r\nSTORED\r\nSTORED\r\nVALUE a 5 3\r\nabc\r\nEND\r\n"));
        out.add(f("cas missing item", "cas a 0 0 1 1\r\nx\r\n", "NOT_FOUND\r\n"));
        out.add(f("cas wrong unique", "set a 0 0 1\r\nx\r\ncas a 0 0 1 999999\r\ny\r\nget a\r\n",
                "STORED\r\nEXISTS\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        out.add(f("cas without unique", "cas a 0 0 1\r\nx\r\n", "ERROR\r\nERROR\r\n"));
        out.add(f("cas bad unique", "cas a 0 0 1 abc\r\nx\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n"));
        out.add(f("storage with too few tokens", "set a 0 0\r\nxy\r\n", "ERROR\r\nERROR\r\n"));
        out.add(f("storage with too many tokens", "set a 0 0 1 2 3\r\nxy\r\n", "ERROR\r\nERROR\r\n"));
        out.add(f("bad flags", "set a abc 0 1\r\nxy\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n"));
        out.add(f("bad exptime", "set a 0 abc 1\r\nxy\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n"));
        out.add(f("bad length", "set a 0 0 abc\r\nxy\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n"));
        out.add(f("negative length", "set a 0 0 -1\r\nxy\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n"));
        out.add(f("key of 250 bytes", "set " + MAX_KEY + " 0 0 1\r\nx\r\nget " + MAX_KEY + "\r\n",
                "STORED\r\nVALUE " + MAX_KEY + " 0 1\r\nx\r\nEND\r\n"));
        out.add(f("key over 250 bytes in set", "set " + LONG_KEY + " 0 0 2\r\nxy\r\n",
                "CLIENT_ERROR bad command line format\r\nERROR\r\n"));
        out.add(f("bad data chunk, longer", "set a 0 0 1\r\nxyz\r\nget a\r\n",
                "CLIENT_ERROR bad data chunk\r\nERROR\r\nEND\r\n"));
        out.add(f("bad data chunk, no CRLF", "set a 0 0 2\r\nxy\n\nget a\r\n",
                "CLIENT_ERROR bad data chunk\r\nEND\r\n"));
        out.add(f("bad data chunk keeps old value", "set a 0 0 1\r\nx\r\nset a 0 0 1\r\nyy\r\nget a\r\n",
                "STORED\r\nCLIENT_ERROR bad data chunk\r\nERROR\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        out.add(f("too large: swallowed, old value removed", "set a 0 0 1\r\nx\r\nset a 0 0 " + TOO_LARGE + "\r\n"
                        + "v".repeat(TOO_LARGE) + "\r\nget a\r\n",
                "STORED\r\nSERVER_ERROR object too large for cache\r\nEND\r\n"));
        out.add(f("too large add keeps old value", "set a 0 0 1\r\nx\r\nadd a 0 0 " + TOO_LARGE + "\r\n"
                        + "v".repeat(TOO_LARGE) + "\r\nget a\r\n",
                "STORED\r\nSERVER_ERROR object too large for cache\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        // expiry
        out.add(f("negative exptime", "set a 0 -1 1\r\nx\r\nget a\r\n", "STORED\r\nEND\r\n"));
        out.add(f("absolute exptime in the past", "set a 0 2592001 1\r\nx\r\nget a\r\n", "STORED\r\nEND\r\n"));
        out.add(f("relative exptime of 30 days", "set a 0 2592000 1\r\nx\r\nget a\r\n",
                "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        // retrieval
        out.add(f("get miss", "get a\r\n", "END\r\n"));
        out.add(f("get many keys", "set a 1 0 1\r\nx\r\nset c 3 0 1\r\nz\r\nget a b c a\r\n",
                "STORED\r\nSTORED\r\nVALUE a 1 1\r\nx\r\nVALUE c 3 1\r\nz\r\nVALUE a 1 1\r\nx\r\nEND\r\n"));
        out.add(f("gets has a cas", "set a 0 0 1\r\nx\r\ngets a\r\n", "STORED\r\nVALUE a 0 1 <cas>\r\nx\r\nEND\r\n"));
        out.add(f("get without key", "get\r\n", "ERROR\r\n"));
        out.add(f("gets without key", "gets\r\n", "ERROR\r\n"));
        // Alone on purpose: memcached also drops the unsent replies of earlier commands read with it (README).
        out.add(f("get key over 250 bytes", "get a " + LONG_KEY + "\r\n", "CLIENT_ERROR bad command line format\r\n"));
        out.add(f("gat", "set a 0 0 1\r\nx\r\ngat 100 a b\r\n", "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        out.add(f("gats", "set a 0 0 1\r\nx\r\ngats 0 a\r\n", "STORED\r\nVALUE a 0 1 <cas>\r\nx\r\nEND\r\n"));
        out.add(f("gat expiring", "set a 0 0 1\r\nx\r\ngat -1 a\r\nget a\r\n",
                "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\nEND\r\n"));
        out.add(f("gat bad exptime", "gat abc a\r\n", "CLIENT_ERROR invalid exptime argument\r\n"));
        out.add(f("gat without key", "gat 10\r\n", "END\r\n"));
        // delete
        out.add(f("delete hit and miss", "set a 0 0 1\r\nx\r\ndelete a\r\ndelete a\r\nget a\r\n",
                "STORED\r\nDELETED\r\nNOT_FOUND\r\nEND\r\n"));
        out.add(f("legacy delete 0", "set a 0 0 1\r\nx\r\ndelete a 0\r\n", "STORED\r\nDELETED\r\n"));
        out.add(f("delete with a hold time", "delete a 1\r\n",
                "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"));
        out.add(f("delete without key", "delete\r\n", "ERROR\r\n"));
        out.add(f("delete key over 250 bytes", "delete " + LONG_KEY + "\r\n", "CLIENT_ERROR bad command line format\r\n"));
        // incr and decr
        out.add(f("incr and decr", "set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 3\r\nget n\r\n",
                "STORED\r\n15\r\n12\r\nVALUE n 0 2\r\n12\r\nEND\r\n"));
        out.add(f("incr miss", "incr n 1\r\ndecr n 1\r\n", "NOT_FOUND\r\nNOT_FOUND\r\n"));
        out.add(f("incr wraps at 2^64", "set n 0 0 20\r\n18446744073709551615\r\nincr n 2\r\n", "STORED\r\n1\r\n"));
        out.add(f("decr stops at 0", "set n 0 0 1\r\n5\r\ndecr n 10\r\n", "STORED\r\n0\r\n"));
        out.add(f("decr pads with spaces", "set n 0 0 3\r\n100\r\ndecr n 1\r\nget n\r\n",
                "STORED\r\n99\r\nVALUE n 0 3\r\n99 \r\nEND\r\n"));
        out.add(f("incr lengthens", "set n 0 0 2\r\n99\r\nincr n 1\r\nget n\r\n",
                "STORED\r\n100\r\nVALUE n 0 3\r\n100\r\nEND\r\n"));
        out.add(f("incr non-numeric", "set n 0 0 2\r\nab\r\nincr n 1\r\n",
                "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"));
        out.add(f("incr value over 2^64", "set n 0 0 20\r\n18446744073709551616\r\nincr n 1\r\n",
                "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"));
        out.add(f("incr reads a number up to a NUL", "set n 0 0 2\r\n1\u0000\r\nincr n 1\r\nget n\r\n",
                "STORED\r\n2\r\nVALUE n 0 2\r\n2 \r\nEND\r\n"));
        out.add(f("incr bad delta", "incr n abc\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n"));
        out.add(f("incr negative delta", "incr n -1\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n"));
        out.add(f("incr delta over 2^64", "incr n 18446744073709551616\r\n",
                "CLIENT_ERROR invalid numeric delta argument\r\n"));
        out.add(f("incr without delta", "incr n\r\n", "ERROR\r\n"));
        // touch
        out.add(f("touch hit and miss", "set a 0 0 1\r\nx\r\ntouch a 100\r\ntouch b 100\r\n",
                "STORED\r\nTOUCHED\r\nNOT_FOUND\r\n"));
        out.add(f("touch expiring", "set a 0 0 1\r\nx\r\ntouch a -1\r\nget a\r\n", "STORED\r\nTOUCHED\r\nEND\r\n"));
        out.add(f("touch bad exptime", "touch k abc\r\n", "CLIENT_ERROR invalid exptime argument\r\n"));
        out.add(f("touch without exptime", "touch k\r\n", "ERROR\r\n"));
        // flush_all, version, verbosity
        out.add(f("flush_all", "set a 0 0 1\r\nx\r\nflush_all\r\nget a\r\n", "STORED\r\nOK\r\nEND\r\n"));
        out.add(f("flush_all 0", "set a 0 0 1\r\nx\r\nflush_all 0\r\nget a\r\n", "STORED\r\nOK\r\nEND\r\n"));
        out.add(f("flush_all -1", "set a 0 0 1\r\nx\r\nflush_all -1\r\nget a\r\n", "STORED\r\nOK\r\nEND\r\n"));
        out.add(f("flush_all with a delay", "set a 0 0 1\r\nx\r\nflush_all 1000\r\nget a\r\n",
                "STORED\r\nOK\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        out.add(f("flush_all bad delay", "flush_all abc\r\n", "CLIENT_ERROR invalid exptime argument\r\n"));
        out.add(f("flush_all too many tokens", "flush_all 1 2 3\r\n", "ERROR\r\n"));
        out.add(f("version", "version\r\n", "VERSION 1.6.18\r\n"));
        out.add(f("version with tokens", "version x y\r\n", "VERSION 1.6.18\r\n"));
        out.add(f("verbosity", "verbosity 1\r\n", "OK\r\n"));
        out.add(f("verbosity without level", "verbosity\r\n", "ERROR\r\n"));
        out.add(f("verbosity bad level", "verbosity abc\r\n", "CLIENT_ERROR bad command line format\r\n"));
        out.add(f("stats reset", "stats reset\r\n", "RESET\r\n"));
        out.add(f("stats unknown", "stats nonsense\r\n", "ERROR\r\n"));
        out.add(f("shutdown not enabled", "shutdown\r\n", "ERROR: shutdown not enabled\r\n"));
        // noreply: every reply of the command is suppressed, errors included
        out.add(f("noreply everywhere", "set a 0 0 1 noreply\r\nx\r\nadd a 0 0 1 noreply\r\nx\r\n"
                        + "replace a 0 0 1 noreply\r\ny\r\nappend a 0 0 1 noreply\r\nz\r\nprepend a 0 0 1 noreply\r\nw\r\n"
                        + "cas a 0 0 1 1 noreply\r\nq\r\ntouch a 100 noreply\r\nget a\r\ndelete a noreply\r\n"
                        + "delete a 0 noreply\r\nset n 0 0 1 noreply\r\n1\r\nincr n 5 noreply\r\ndecr n 2 noreply\r\n"
                        + "get n\r\nincr n abc noreply\r\nverbosity 1 noreply\r\nflush_all noreply\r\n"
                        + "flush_all 0 noreply\r\nset a 0 0 -1 noreply\r\nset b 0 0 1 noreply\r\nxyz\r\nversion\r\n",
                "VALUE a 0 3\r\nwyz\r\nEND\r\nVALUE n 0 1\r\n4\r\nEND\r\nERROR\r\nVERSION 1.6.18\r\n"));
        // malformed lines
        out.add(f("empty line", "\r\n", "ERROR\r\n"));
        out.add(f("bare newline", "\n", "ERROR\r\n"));
        out.add(f("spaces only", "   \r\n", "ERROR\r\n"));
        out.add(f("unknown command", "bogus\r\n", "ERROR\r\n"));
        out.add(f("one-letter command", "x\r\n", "ERROR\r\n"));
        out.add(f("upper case command", "SET a 0 0 1\r\nxy\r\n", "ERROR\r\nERROR\r\n"));
        out.add(f("trailing and repeated spaces", "set  a 0 0 1   \r\nx\r\nget a   \r\n",
                "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        out.add(f("LF line endings", "set a 0 0 1\nx\r\nget a\n", "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        out.add(f("long get line", "set a 0 0 1\r\nx\r\nget " + "b ".repeat(1500) + "a\r\n",
                "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n"));
        // connection closes
        // Alone on purpose: memcached drops the unsent replies of commands read in the same batch as these (README).
        out.add(closes("quit", "quit\r\nversion\r\n", ""));
        out.add(closes("HTTP request line", "GET / HTTP/1.1\r\nversion\r\n", ""));
        out.add(closes("2048 bytes without newline", "x".repeat(3000), ""));
        out.add(new Fixture("get line up to 1 MiB", "set a 0 0 1\r\nx\r\nget " + "b ".repeat(400_000) + "a\r\n",
                "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n", false, false));
        out.add(new Fixture("get line over 1 MiB closes", "version\r\nget " + "b ".repeat(600_000),
                "VERSION 1.6.18\r\n", true, true));
        // admin commands memcached's tools send (issue 11)
        out.add(f("cache_memlimit", "cache_memlimit 64\r\n", "OK\r\n"));
        out.add(f("cache_memlimit below 8 MB", "cache_memlimit 7\r\n",
                "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n"));
        out.add(f("cache_memlimit noreply", "cache_memlimit 64 noreply\r\nversion\r\n", "VERSION 1.6.18\r\n"));
        out.add(f("cache_memlimit not a number", "cache_memlimit abc\r\n", "ERROR\r\n"));
        out.add(f("cache_memlimit without a size", "cache_memlimit\r\n", "ERROR\r\n"));
        out.add(f("slabs automove", "slabs automove 1\r\nslabs automove 0\r\n", "OK\r\nOK\r\n"));
        out.add(f("slabs automove out of range", "slabs automove 3\r\n", "ERROR\r\n"));
        out.add(f("slabs automove not a number", "slabs automove x\r\n",
                "CLIENT_ERROR bad command line format\r\n"));
        out.add(f("slabs automove noreply", "slabs automove 2 noreply\r\nversion\r\n", "VERSION 1.6.18\r\n"));
        out.add(f("slabs alone", "slabs\r\nslabs automove\r\n", "ERROR\r\nERROR\r\n"));
        // memcached runs metadump on its LRU crawler thread, which can keep a fresh connection waiting for seconds; the
        // format against a real memcached is checked by MemcachedToolTest's dump instead.
        out.add(new Fixture("metadump of an empty cache", "lru_crawler metadump all\r\n", "END\r\n", false, true));
        out.add(f("metadump of a class that does not exist", "lru_crawler metadump 99\r\n",
                "BADCLASS invalid class id\r\n"));
        out.add(f("lru_crawler without a subcommand", "lru_crawler\r\nlru_crawler metadump\r\n",
                "ERROR\r\nERROR\r\n"));
        return out;
    }
}
