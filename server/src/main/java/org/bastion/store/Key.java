package org.bastion.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A cache key: the raw bytes the client sent, compared byte for byte, with the hash computed once. */
public class Key {
    public static final int MAX_LENGTH = 250;
    private static final byte[] NONE = new byte[0];

    public final byte[] bytes;
    private final int hash;

    public Key(byte[] bytes) {
        this(bytes, Arrays.hashCode(bytes));
    }

    private Key(byte[] bytes, int hash) {
        this.bytes = bytes;
        this.hash = hash;
    }

    public static Key of(String key) {
        return new Key(key.getBytes(StandardCharsets.UTF_8));
    }

    public int length() {
        return bytes.length;
    }

    /** Whether the key begins with {@code prefix} (a confined user's key space). */
    public boolean startsWith(byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof Probe probe) {
            return probe.equals(this);
        }
        return o instanceof Key other && other.hash == hash && Arrays.equals(other.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /**
     * A reusable view of a key inside a command line, for lookups only ({@code get}): equal to the stored {@link Key}
     * with the same bytes, so a read allocates nothing. It changes with the next command, so it must never be stored
     * or kept: its {@link #bytes} field is empty; {@link #copy()} gives a real key.
     */
    public static final class Probe extends Key {
        private byte[] array = NONE;
        private int from;
        private int to;
        private int probeHash;

        public Probe() {
            super(NONE, 0);
        }

        /** Points this probe at {@code array[from, to)}; the hash is the one {@link Arrays#hashCode(byte[])} gives. */
        public Probe set(byte[] array, int from, int to) {
            int h = 1;
            for (int i = from; i < to; i++) {
                h = 31 * h + array[i];
            }
            this.array = array;
            this.from = from;
            this.to = to;
            this.probeHash = h;
            return this;
        }

        Key copy() {
            return new Key(Arrays.copyOfRange(array, from, to));
        }

        @Override
        public int length() {
            return to - from;
        }

        @Override
        public boolean startsWith(byte[] prefix) {
            return to - from >= prefix.length && Arrays.equals(array, from, from + prefix.length, prefix, 0,
                    prefix.length);
        }

        @Override
        public boolean equals(Object o) {
            if (o instanceof Probe other) {
                return other == this || Arrays.equals(other.array, other.from, other.to, array, from, to);
            }
            return o instanceof Key other && other.hash == probeHash
                    && Arrays.equals(other.bytes, 0, other.bytes.length, array, from, to);
        }

        @Override
        public int hashCode() {
            return probeHash;
        }

        @Override
        public String toString() {
            return new String(array, from, to - from, StandardCharsets.ISO_8859_1);
        }
    }
}
