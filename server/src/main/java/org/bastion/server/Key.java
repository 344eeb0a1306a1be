package org.bastion.server;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A cache key: the raw bytes the client sent, compared byte for byte, with the hash computed once. */
final class Key {
    static final int MAX_LENGTH = 250;

    final byte[] bytes;
    private final int hash;

    Key(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    static Key of(String key) {
        return new Key(key.getBytes(StandardCharsets.UTF_8));
    }

    int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
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
}
