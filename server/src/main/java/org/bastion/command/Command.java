package org.bastion.command;

import java.util.Arrays;
import java.util.Objects;
import org.bastion.policy.Access;
import org.bastion.store.Key;
import org.bastion.store.Store;

/**
 * A request decoded from any protocol's bytes, in one shape whatever the protocol: the text, meta and binary
 * translators build these and hand them to {@link Executor#execute}. Each command says what it does
 * ({@link #access()}); the executor asks policy once, from that, before anything reaches the store.
 */
public sealed interface Command {
    /** What this command does, for the policy decision. */
    Access access();

    /**
     * get/gets (and gat/gats when {@link #touch} is set) of one key. Mutable and reused, one per connection, so the
     * get path allocates nothing per key: a translator aims it at each key in turn and reads the outcome before aiming
     * it again.
     */
    final class Get implements Command {
        private final Outcome.Hit hit = new Outcome.Hit();
        private Key key;
        private boolean touch;
        private long exptime;

        /** A plain lookup of {@code key} (which may be a reused {@link Key.Probe}: looked up, never kept). */
        public Get read(Key key) {
            this.key = key;
            this.touch = false;
            this.exptime = 0;
            return this;
        }

        /** A lookup that also sets a new expiry (gat, gats, binary GAT). */
        public Get touch(Key key, long exptime) {
            this.key = key;
            this.touch = true;
            this.exptime = exptime;
            return this;
        }

        public Key key() {
            return key;
        }

        public boolean touches() {
            return touch;
        }

        public long exptime() {
            return exptime;
        }

        Outcome.Hit hit() {
            return hit;
        }

        @Override
        public Access access() {
            return touch ? Access.WRITE : Access.READ;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Get g && Objects.equals(key, g.key) && touch == g.touch && exptime == g.exptime;
        }

        @Override
        public int hashCode() {
            return Objects.hash(key, touch, exptime);
        }

        @Override
        public String toString() {
            return "Get[key=" + key + ", touch=" + touch + ", exptime=" + exptime + "]";
        }
    }

    /** Meta get ({@code mg}) with its read options; it writes when it creates (N) or re-times (T) the item. */
    record MetaGet(Key key, Store.ReadOptions options, boolean writes) implements Command {
        @Override
        public Access access() {
            return writes ? Access.WRITE : Access.READ;
        }
    }

    /**
     * set/add/replace/append/prepend/cas in every protocol. {@code length} is the value's size as the client announced
     * it; a value over {@code -I} arrives as {@code value == null} (the translator discarded its bytes) and is refused
     * here. {@code oversizeDropsOld}: memcached's rule that a refused oversized {@code set} also deletes the old value.
     */
    record Write(Store.Mode mode, Key key, int flags, long exptime, long length, byte[] value, long cas,
            long newCas, boolean allowStale, boolean binaryKey, boolean oversizeDropsOld) implements Command {

        /** A write with no meta options. */
        public static Write of(Store.Mode mode, Key key, int flags, long exptime, byte[] value, long cas,
                boolean oversizeDropsOld) {
            return new Write(mode, key, flags, exptime, value.length, value, cas, 0, false, false, oversizeDropsOld);
        }

        /** A write whose announced value is over the item size limit: its bytes were never kept. */
        public static Write oversized(Store.Mode mode, Key key, long length, boolean oversizeDropsOld) {
            return new Write(mode, key, 0, 0, length, null, 0, 0, false, false, oversizeDropsOld);
        }

        @Override
        public Access access() {
            return Access.WRITE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Write w && mode == w.mode && Objects.equals(key, w.key) && flags == w.flags
                    && exptime == w.exptime && length == w.length && Arrays.equals(value, w.value) && cas == w.cas
                    && newCas == w.newCas && allowStale == w.allowStale && binaryKey == w.binaryKey
                    && oversizeDropsOld == w.oversizeDropsOld;
        }

        @Override
        public int hashCode() {
            return Objects.hash(mode, key, flags, exptime, length, Arrays.hashCode(value), cas, newCas);
        }

        @Override
        public String toString() {
            return "Write[" + mode + " " + key + " flags=" + flags + " exptime=" + exptime + " length=" + length
                    + " cas=" + cas + " newCas=" + newCas + "]";
        }
    }

    /**
     * delete in every protocol. Text sends only the key; binary adds a CAS to compare (0: none); meta's {@code md}
     * ({@code meta} true) may compare any CAS including 0, invalidate (mark stale), empty the value instead of removing
     * it, set a TTL and a new CAS, and counts a CAS mismatch as a miss, as memcached does.
     */
    record Delete(Key key, boolean meta, boolean hasCompare, long compareCas, boolean invalidate, boolean emptyValue,
            boolean hasExptime, long exptime, long newCas) implements Command {

        /** Text and binary delete, with an optional CAS compare (0: none). */
        public static Delete of(Key key, long compareCas) {
            return new Delete(key, false, compareCas != 0, compareCas, false, false, false, 0, 0);
        }

        @Override
        public Access access() {
            return Access.WRITE;
        }
    }

    /**
     * incr/decr in every protocol. On a miss: text answers it ({@link OnMiss#ANSWER}); binary creates the counter
     * with {@code initial} by an add, so a racing writer wins ({@link OnMiss#ADD}); meta's N flag creates it in the same
     * step ({@link OnMiss#VIVIFY}). {@code hasExptime}/{@code exptime}: meta's T, a new TTL for a hit.
     */
    record Delta(Key key, boolean incr, long delta, long compareCas, OnMiss onMiss, long initial, long createExptime,
            boolean hasExptime, long exptime, long newCas) implements Command {

        /** What a miss does. */
        public enum OnMiss { ANSWER, ADD, VIVIFY }

        /** Text incr/decr. */
        public static Delta of(Key key, boolean incr, long delta) {
            return new Delta(key, incr, delta, 0, OnMiss.ANSWER, 0, 0, false, 0, 0);
        }

        @Override
        public Access access() {
            return Access.WRITE;
        }
    }

    /** touch: a new expiry, nothing read. */
    record Touch(Key key, long exptime) implements Command {
        @Override
        public Access access() {
            return Access.WRITE;
        }
    }

    /**
     * flush_all, now or after a delay, with memcached's expiry rules for the delay. {@code malformedDelay}: the delay
     * did not parse; memcached still answers {@code -F}'s refusal first, so the command reaches policy and is then
     * answered as a bad argument.
     */
    record Flush(long delay, boolean malformedDelay) implements Command {
        /** A flush after {@code delay} seconds (0: now). */
        public Flush(long delay) {
            this(delay, false);
        }

        @Override
        public Access access() {
            return Access.FLUSH;
        }
    }

    /** The {@code stats} family: a group ("" for the general set) and up to two arguments. */
    record Stats(String group, String arg, String arg2) implements Command {
        @Override
        public Access access() {
            if (group.equals("reset")) {
                // Zeroes the counters, the security counters among them: refused to read-only sources.
                return Access.ADMIN;
            }
            if (group.equals("detail")) {
                // dump names key prefixes; on/off change what the server does on every get
                return "dump".equals(arg) ? Access.PEEK : "on".equals(arg) || "off".equals(arg) ? Access.ADMIN
                        : Access.READ;
            }
            if (group.equals("sizes_enable") || group.equals("sizes_disable")) {
                return Access.ADMIN; // changes what stats sizes reports for every client
            }
            return group.equals("cachedump") ? Access.DUMP : Access.READ;
        }
    }

    /** {@code watch}: stream log lines of {@code flags} ({@code LogWatchers}' bits) on this connection. */
    record Watch(int flags) implements Command {
        @Override
        public Access access() {
            // Streams that name keys are refused to read-only sources; every stream is off under -X.
            return (flags & org.bastion.stats.LogWatchers.KEYED) != 0 ? Access.PEEK : Access.DUMP;
        }
    }

    /** verbosity: the server's log level. */
    record Verbosity(int level) implements Command {
        @Override
        public Access access() {
            return Access.TUNE;
        }
    }

    /** shutdown: stop the server gracefully. */
    record Shutdown() implements Command {
        @Override
        public Access access() {
            return Access.SHUTDOWN;
        }
    }

    /**
     * {@code snapshot} (text) and opcode 0x1f (binary): write a snapshot now and answer once it is durable. It makes
     * the server do work on disk, so it is {@link Access#ADMIN}: refused to read-only sources.
     */
    record Snapshot() implements Command {
        @Override
        public Access access() {
            return Access.ADMIN;
        }
    }

    /** Meta debug ({@code me}): an item's metadata, without touching its access bookkeeping. */
    record Debug(Key key) implements Command {
        @Override
        public Access access() {
            return Access.READ;
        }
    }

    /** {@code cache_memlimit}: a new {@code -m}, in megabytes, while running. */
    record MemoryLimit(long megabytes) implements Command {
        @Override
        public Access access() {
            return Access.ADMIN;
        }
    }

    /** {@code slabs automove}: accepted for memcached's tools; Bastion has no slabs to move. */
    record SlabsAutomove(int mode) implements Command {
        @Override
        public Access access() {
            return Access.ADMIN;
        }
    }

    /** {@code refresh_certs}: reload the TLS certificates for new connections (admin: refused to read-only sources). */
    record RefreshCerts() implements Command {
        @Override
        public Access access() {
            return Access.ADMIN;
        }
    }

    /**
     * A login: memcached's text login ({@link Kind#TEXT}: the {@code set}'s data split into {@code name} and
     * {@code secret}), SASL PLAIN ({@code secret} is the whole message), the start of CRAM-MD5 (no data: answered
     * with a challenge), a SASL step ({@code secret} answers the challenge), or a mechanism this server lacks.
     */
    record Login(Kind kind, byte[] name, byte[] secret) implements Command {
        /** Which exchange this is. */
        public enum Kind { TEXT, PLAIN, CRAM_MD5_START, STEP, UNSUPPORTED }

        @Override
        public Access access() {
            return Access.AUTHENTICATE;
        }

        @Override
        public String toString() {
            return "Login[" + kind + "]"; // never the secret
        }
    }

    /** {@code lru_crawler metadump all|hash|<class ids>}: every live item's metadata, keys included. */
    record Metadump(String classes) implements Command {
        @Override
        public Access access() {
            return Access.DUMP;
        }
    }
}
