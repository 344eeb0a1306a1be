package org.bastion.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A reference ketama ring, written from the algorithm's description, to check clients and proxies against: the
 * weighted ketama of libmemcached ({@code MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED}), which twemproxy's {@code ketama} and
 * spymemcached's and xmemcached's {@code KETAMA_HASH} locators also implement. Each server (equal weights) gets 160
 * points: for i in 0..39 the MD5 of {@code "<name>-<i>"} gives four little-endian 32-bit points. A key's point is
 * the first four bytes of its MD5, little-endian; it belongs to the first server point at or after it, wrapping
 * round. The name is what the client hashes for a server: {@code host:port} for libmemcached and the Java clients
 * (libmemcached drops the port when it is 11211), the configured name for twemproxy.
 */
public final class KetamaRing {
    private static final int DIGESTS_PER_SERVER = 40;
    private final TreeMap<Long, String> points = new TreeMap<>();
    private final List<String> names;

    public KetamaRing(List<String> names) {
        this.names = List.copyOf(names);
        for (String name : names) {
            for (int i = 0; i < DIGESTS_PER_SERVER; i++) {
                byte[] d = md5(name + "-" + i);
                for (int h = 0; h < 4; h++) {
                    points.put(littleEndian(d, h * 4), name);
                }
            }
        }
    }

    /** The server name the key belongs to. */
    public String nodeFor(String key) {
        Map.Entry<Long, String> e = points.ceilingEntry(littleEndian(md5(key), 0));
        return e != null ? e.getValue() : points.firstEntry().getValue();
    }

    /** The ring without one server: where its keys go when a client or proxy ejects it. */
    public KetamaRing without(String name) {
        return new KetamaRing(names.stream().filter(n -> !n.equals(name)).toList());
    }

    /** Each server's share of the ring (of all possible keys), in server order; they add up to 1. */
    public Map<String, Double> shares() {
        Map<String, Double> shares = new LinkedHashMap<>();
        names.forEach(n -> shares.put(n, 0.0));
        long previous = points.lastKey() - (1L << 32);
        for (Map.Entry<Long, String> e : points.entrySet()) {
            shares.merge(e.getValue(), (e.getKey() - previous) / (double) (1L << 32), Double::sum);
            previous = e.getKey();
        }
        return shares;
    }

    private static long littleEndian(byte[] d, int at) {
        return (d[at] & 0xffL) | (d[at + 1] & 0xffL) << 8 | (d[at + 2] & 0xffL) << 16 | (d[at + 3] & 0xffL) << 24;
    }

    private static byte[] md5(String s) {
        try {
            return MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
