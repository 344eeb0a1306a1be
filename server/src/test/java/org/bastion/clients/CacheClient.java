package org.bastion.clients;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The calls a Java client's users make, over raw byte values stored with flags 0, so one scenario
 * ({@link ClientScenariosTest}) runs against every client library in every protocol it speaks ({@link ClientKind}).
 * The {@code ...Text} forms are the same calls with UTF-8 strings, for tests that mix clients with raw sockets.
 */
public interface CacheClient extends AutoCloseable {
    /** Generous: the build machine is shared and slow. */
    long TIMEOUT_MS = 20_000;
    /** Client-side value limit, far over the server's, so the server is the one that refuses. */
    int MAX_VALUE = 8 * 1024 * 1024;

    /** A value with its CAS unique. */
    record Versioned(byte[] value, long cas) {
    }

    boolean set(String key, int exptime, byte[] value) throws Exception;

    boolean add(String key, int exptime, byte[] value) throws Exception;

    boolean replace(String key, int exptime, byte[] value) throws Exception;

    boolean append(String key, byte[] value) throws Exception;

    boolean prepend(String key, byte[] value) throws Exception;

    /** The value, or null on a miss. */
    byte[] get(String key) throws Exception;

    /** The value and its CAS, or null on a miss. */
    Versioned gets(String key) throws Exception;

    /** Whether a compare-and-swap with this CAS stored the value. */
    boolean cas(String key, long cas, int exptime, byte[] value) throws Exception;

    boolean delete(String key) throws Exception;

    /** The new value, or -1 when the counter is missing. */
    long incr(String key, long delta) throws Exception;

    long decr(String key, long delta) throws Exception;

    /** Binary protocol only: an incr that creates a missing counter with {@code initial} (never expiring). */
    long incrOrCreate(String key, long delta, long initial) throws Exception;

    boolean touch(String key, int exptime) throws Exception;

    /** The hits among the keys. */
    Map<String, byte[]> getMulti(List<String> keys) throws Exception;

    @Override
    void close() throws Exception;

    static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    default boolean setText(String key, String value) throws Exception {
        return set(key, 0, bytes(value));
    }

    default boolean addText(String key, String value) throws Exception {
        return add(key, 0, bytes(value));
    }

    default boolean appendText(String key, String value) throws Exception {
        return append(key, bytes(value));
    }

    default String getText(String key) throws Exception {
        return text(get(key));
    }

    /** The CAS unique, or null on a miss. */
    default Long casOf(String key) throws Exception {
        Versioned v = gets(key);
        return v == null ? null : v.cas();
    }

    default boolean casText(String key, long cas, String value) throws Exception {
        return cas(key, cas, 0, bytes(value));
    }
}
