package org.bastion.clients;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.CachedData;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.transcoders.Transcoder;

/** spymemcached 2.12.3 behind {@link CacheClient}, text or binary protocol, values as raw bytes with flags 0. */
public final class SpyClient implements CacheClient {
    /** Bytes as they are: no compression, no serialisation, flags 0. */
    private static final Transcoder<Object> RAW = new Transcoder<>() {
        @Override
        public boolean asyncDecode(CachedData d) {
            return false;
        }

        @Override
        public CachedData encode(Object o) {
            return new CachedData(0, (byte[]) o, MAX_VALUE);
        }

        @Override
        public Object decode(CachedData d) {
            return d.getData();
        }

        @Override
        public int getMaxSize() {
            return MAX_VALUE;
        }
    };

    private final MemcachedClient spy;

    public SpyClient(InetSocketAddress address, boolean binary) throws Exception {
        this(address, binary, null);
    }

    /**
     * With SASL (binary only): {@code auth} as an application would build it, for example
     * {@code new AuthDescriptor(new String[] {"CRAM-MD5"}, new PlainCallbackHandler(user, password))}.
     */
    public SpyClient(InetSocketAddress address, boolean binary, net.spy.memcached.auth.AuthDescriptor auth)
            throws Exception {
        ConnectionFactoryBuilder builder = new ConnectionFactoryBuilder()
                .setProtocol(binary ? ConnectionFactoryBuilder.Protocol.BINARY : ConnectionFactoryBuilder.Protocol.TEXT)
                .setOpTimeout(TIMEOUT_MS).setTranscoder(RAW);
        if (auth != null) {
            builder.setAuthDescriptor(auth);
        }
        spy = new MemcachedClient(builder.build(), List.of(address));
    }

    private static boolean ok(Future<Boolean> f) throws Exception {
        return f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean set(String key, int exptime, byte[] value) throws Exception {
        return ok(spy.set(key, exptime, value));
    }

    @Override
    public boolean add(String key, int exptime, byte[] value) throws Exception {
        return ok(spy.add(key, exptime, value));
    }

    @Override
    public boolean replace(String key, int exptime, byte[] value) throws Exception {
        return ok(spy.replace(key, exptime, value));
    }

    @Override
    public boolean append(String key, byte[] value) throws Exception {
        return ok(spy.append(key, (Object) value));
    }

    @Override
    public boolean prepend(String key, byte[] value) throws Exception {
        return ok(spy.prepend(key, (Object) value));
    }

    @Override
    public byte[] get(String key) {
        return (byte[]) spy.get(key);
    }

    @Override
    public Versioned gets(String key) {
        CASValue<Object> v = spy.gets(key);
        return v == null ? null : new Versioned((byte[]) v.getValue(), v.getCas());
    }

    @Override
    public boolean cas(String key, long cas, int exptime, byte[] value) {
        return spy.cas(key, cas, exptime, value, RAW) == CASResponse.OK;
    }

    @Override
    public boolean delete(String key) throws Exception {
        return ok(spy.delete(key));
    }

    @Override
    public long incr(String key, long delta) {
        return spy.incr(key, delta);
    }

    @Override
    public long decr(String key, long delta) {
        return spy.decr(key, delta);
    }

    @Override
    public long incrOrCreate(String key, long delta, long initial) {
        return spy.incr(key, delta, initial, 0);
    }

    @Override
    public boolean touch(String key, int exptime) throws Exception {
        return ok(spy.touch(key, exptime));
    }

    @Override
    public Map<String, byte[]> getMulti(List<String> keys) {
        Map<String, byte[]> out = new HashMap<>();
        spy.getBulk(keys).forEach((k, v) -> out.put(k, (byte[]) v));
        return out;
    }

    @Override
    public void close() {
        spy.shutdown(5, TimeUnit.SECONDS);
    }
}
