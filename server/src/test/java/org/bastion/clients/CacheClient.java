package org.bastion.clients;

import java.util.List;
import java.util.Map;

/**
 * The calls a Java client's users make, over raw byte values, so one scenario ({@link ClientScenario}) runs against
 * every client library and, by another adapter, every protocol.
 */
interface CacheClient extends AutoCloseable {
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

    long incr(String key, long delta) throws Exception;

    long decr(String key, long delta) throws Exception;

    boolean touch(String key, int exptime) throws Exception;

    /** The hits among the keys. */
    Map<String, byte[]> getMulti(List<String> keys) throws Exception;

    @Override
    void close() throws Exception;
}
