package org.bastion.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cache key: the raw bytes the client sent, compared byte for byte, with the hash computed once.
 *
 * <p>Every stored item keeps its key object for its whole life, so the key's layout is paid per item. A key of up to
 * {@link #PACKED_MAX} bytes (nearly all keys in practice) is packed into the long fields of one object, its length in
 * the first byte: a 14 B key takes 32 B of heap and a 32 B key 56 B, where an object pointing at its own array took
 * 56 B and 72 B (the array's header, the reference and their padding are gone), and a lookup reads one object, not
 * two. Longer keys keep an array. {@link #of} chooses by length alone, so two keys with the same bytes always have the
 * same form, and equality never compares across forms.
 *
 * <p>Long because the forms (one to six words, and the array) and the lookup probe each take a few lines but must stay
 * beside the one factory that chooses among them and the one word layout they all share.
 */
public abstract class Key {
    public static final int MAX_LENGTH = 250;
    /** Longest key packed into fields: six longs hold the length byte and 47 key bytes. */
    static final int PACKED_MAX = 47;
    private static final byte[] NONE = new byte[0];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int hash;

    private Key(int hash) {
        this.hash = hash;
    }

    /** The key for {@code bytes}, which it may keep: the caller must not change them afterwards. */
    public static Key of(byte[] bytes) {
        int hash = Arrays.hashCode(bytes);
        if (bytes.length > PACKED_MAX) {
            return new InArray(bytes, hash);
        }
        return packed(bytes, 0, bytes.length, hash);
    }

    /** The key for {@code array[from, to)}, copied: a command line's token becomes a key without a copy in between. */
    public static Key of(byte[] array, int from, int to) {
        if (to - from > PACKED_MAX) {
            return of(Arrays.copyOfRange(array, from, to));
        }
        return packed(array, from, to, hashOf(array, from, to));
    }

    /** The hash {@link Arrays#hashCode(byte[])} gives {@code array[from, to)}, without copying it out. */
    private static int hashOf(byte[] array, int from, int to) {
        int h = 1;
        for (int i = from; i < to; i++) {
            h = 31 * h + array[i];
        }
        return h;
    }

    public static Key of(String key) {
        return of(key.getBytes(StandardCharsets.UTF_8));
    }

    public abstract int length();

    /** The key's bytes; a fresh copy or the key's own array, so callers must not change them. */
    public abstract byte[] bytes();

    /**
     * Heap bytes a stored key of {@code length} bytes takes, its array included (64-bit JVM, compressed oops): a
     * packed key is a 12 B header, the 4 B hash and one long per 8 bytes of "length byte, then the key"; a longer key
     * is a 24 B object and an array of a 16 B header and the bytes, padded to 8.
     */
    static int heapBytes(int length) {
        return length <= PACKED_MAX ? 16 + 8 * ((length + 8) / 8) : 24 + align8(16 + length);
    }

    abstract byte byteAt(int index);

    /** Whether the key begins with {@code prefix} (a confined user's key space). */
    public boolean startsWith(byte[] prefix) {
        if (length() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (byteAt(i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public final int hashCode() {
        return hash();
    }

    int hash() {
        return hash;
    }

    @Override
    public final boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof Key other) || other.hash() != hash()) {
            return false;
        }
        if (other instanceof Probe probe) {
            return probe.matches(this);
        }
        return this instanceof Probe probe ? probe.matches(other) : sameBytes(other);
    }

    /** Equality of two stored-form keys with equal hashes. */
    abstract boolean sameBytes(Key other);

    @Override
    public String toString() {
        return new String(bytes(), StandardCharsets.ISO_8859_1);
    }

    /**
     * The little-endian long holding bytes {@code [8 * word, 8 * word + 8)} of "length byte, then the key", where the
     * key is {@code array[from, to)}. Read as one long where the array allows (the bytes around the key, such as the
     * command line's, are masked off), byte by byte at its edges.
     */
    static long word(byte[] array, int from, int to, int word) {
        int first = from + 8 * word - 1; // the word's first byte in the array; word 0's is the length's place
        int inKey = Math.min(8, to - first);
        long w;
        if (first >= 0 && first + 8 <= array.length) {
            w = (long) LONGS.get(array, first);
            if (inKey < 8) {
                w &= (1L << (8 * inKey)) - 1;
            }
        } else {
            w = 0;
            for (int i = first + inKey - 1; i >= Math.max(first, from); i--) {
                w = (w << 8) | (array[i] & 0xFF);
            }
            if (word == 0) {
                w <<= 8;
            }
        }
        return word == 0 ? (w & ~0xFFL) | (to - from) : w;
    }

    private static Key packed(byte[] array, int from, int to, int hash) {
        long w0 = word(array, from, to, 0);
        int length = to - from;
        if (length <= 7) {
            return new Packed1(hash, w0);
        }
        long w1 = word(array, from, to, 1);
        if (length <= 15) {
            return new Packed2(hash, w0, w1);
        }
        long w2 = word(array, from, to, 2);
        if (length <= 23) {
            return new Packed3(hash, w0, w1, w2);
        }
        long w3 = word(array, from, to, 3);
        if (length <= 31) {
            return new Packed4(hash, w0, w1, w2, w3);
        }
        long w4 = word(array, from, to, 4);
        if (length <= 39) {
            return new Packed5(hash, w0, w1, w2, w3, w4);
        }
        return new Packed6(hash, w0, w1, w2, w3, w4, word(array, from, to, 5));
    }

    /** A key of more than {@link #PACKED_MAX} bytes: an object and its array. */
    private static final class InArray extends Key {
        private final byte[] bytes;

        InArray(byte[] bytes, int hash) {
            super(hash);
            this.bytes = bytes;
        }

        @Override
        public int length() {
            return bytes.length;
        }

        @Override
        public byte[] bytes() {
            return bytes;
        }

        @Override
        byte byteAt(int index) {
            return bytes[index];
        }

        @Override
        boolean sameBytes(Key other) {
            return other instanceof InArray o && Arrays.equals(o.bytes, bytes);
        }
    }

    /**
     * Up to 7 key bytes in one long. The packed forms extend each other so a key of n words reads its words through
     * one virtual call ({@link #word}); equality checks the class first, since the length byte decides it.
     */
    private static class Packed1 extends Key {
        final long w0;

        Packed1(int hash, long w0) {
            super(hash);
            this.w0 = w0;
        }

        @Override
        public final int length() {
            return (int) (w0 & 0xFF);
        }

        /** Longs holding the length byte and the key: derived from the length, so no form overrides it. */
        final int words() {
            return (length() >>> 3) + 1;
        }

        long word(int i) {
            return w0;
        }

        @Override
        public final byte[] bytes() {
            byte[] out = new byte[length()];
            for (int i = 0; i < out.length; i++) {
                out[i] = byteAt(i);
            }
            return out;
        }

        @Override
        final byte byteAt(int index) {
            int s = index + 1;
            return (byte) (word(s >>> 3) >>> ((s & 7) << 3));
        }

        @Override
        final boolean sameBytes(Key other) {
            if (other.getClass() != getClass()) {
                return false;
            }
            Packed1 o = (Packed1) other;
            for (int i = words() - 1; i >= 0; i--) {
                if (o.word(i) != word(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static class Packed2 extends Packed1 {
        final long w1;

        Packed2(int hash, long w0, long w1) {
            super(hash, w0);
            this.w1 = w1;
        }

        @Override
        long word(int i) {
            return i == 1 ? w1 : w0;
        }
    }

    private static class Packed3 extends Packed2 {
        final long w2;

        Packed3(int hash, long w0, long w1, long w2) {
            super(hash, w0, w1);
            this.w2 = w2;
        }

        @Override
        long word(int i) {
            return i == 2 ? w2 : super.word(i);
        }
    }

    private static class Packed4 extends Packed3 {
        final long w3;

        Packed4(int hash, long w0, long w1, long w2, long w3) {
            super(hash, w0, w1, w2);
            this.w3 = w3;
        }

        @Override
        long word(int i) {
            return i == 3 ? w3 : super.word(i);
        }
    }

    private static class Packed5 extends Packed4 {
        final long w4;

        Packed5(int hash, long w0, long w1, long w2, long w3, long w4) {
            super(hash, w0, w1, w2, w3);
            this.w4 = w4;
        }

        @Override
        long word(int i) {
            return i == 4 ? w4 : super.word(i);
        }
    }

    private static final class Packed6 extends Packed5 {
        final long w5;

        Packed6(int hash, long w0, long w1, long w2, long w3, long w4, long w5) {
            super(hash, w0, w1, w2, w3, w4);
            this.w5 = w5;
        }

        @Override
        long word(int i) {
            return i == 5 ? w5 : super.word(i);
        }
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }

    /**
     * A reusable view of a key inside a command line, for lookups only ({@code get}): equal to the stored {@link Key}
     * with the same bytes, so a read allocates nothing. It changes with the next command, so it must never be stored
     * or kept; {@link #copy()} gives a real key.
     */
    public static final class Probe extends Key {
        private byte[] array = NONE;
        private int from;
        private int to;
        private int probeHash;

        public Probe() {
            super(0);
        }

        /** Points this probe at {@code array[from, to)}; the hash is the one {@link Arrays#hashCode(byte[])} gives. */
        public Probe set(byte[] array, int from, int to) {
            this.array = array;
            this.from = from;
            this.to = to;
            this.probeHash = hashOf(array, from, to);
            return this;
        }

        Key copy() {
            return Key.of(array, from, to);
        }

        /** Whether {@code key}, in its stored form, has the bytes this probe points at. */
        boolean matches(Key key) {
            if (key instanceof Probe other) {
                return Arrays.equals(other.array, other.from, other.to, array, from, to);
            }
            if (key instanceof InArray stored) {
                return Arrays.equals(stored.bytes, 0, stored.bytes.length, array, from, to);
            }
            Packed1 stored = (Packed1) key;
            if (stored.length() != to - from) {
                return false;
            }
            for (int i = stored.words() - 1; i >= 0; i--) {
                if (stored.word(i) != word(array, from, to, i)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        int hash() {
            return probeHash;
        }

        @Override
        public int length() {
            return to - from;
        }

        @Override
        public byte[] bytes() {
            return Arrays.copyOfRange(array, from, to);
        }

        @Override
        byte byteAt(int index) {
            return array[from + index];
        }

        @Override
        boolean sameBytes(Key other) {
            return matches(other);
        }
    }
}
