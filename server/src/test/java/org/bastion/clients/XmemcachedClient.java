package org.bastion.clients;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.rubyeye.xmemcached.GetsResponse;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.command.BinaryCommandFactory;
import net.rubyeye.xmemcached.command.TextCommandFactory;
import net.rubyeye.xmemcached.transcoders.CachedData;
import net.rubyeye.xmemcached.transcoders.CompressionMode;
import net.rubyeye.xmemcached.transcoders.Transcoder;

/** xmemcached 2.4.9 behind {@link CacheClient}, text or binary command factory, values as raw bytes with flags 0. */
public final class XmemcachedClient implements CacheClient {
    private final MemcachedClient x;

    public XmemcachedClient(InetSocketAddress address, boolean binary) throws Exception {
        this(address, binary, null);
    }

    /** With SASL (binary only): {@code auth} is {@code AuthInfo.plain(user, password)} or {@code AuthInfo.cramMD5(...)}. */
    public XmemcachedClient(InetSocketAddress address, boolean binary, net.rubyeye.xmemcached.auth.AuthInfo auth)
            throws Exception {
        XMemcachedClientBuilder builder = new XMemcachedClientBuilder(List.of(address));
        if (auth != null) {
            builder.addAuthInfo(address, auth);
            // xmemcached finds the login by the session's host string, which its reconnects spell as a name.
            builder.addAuthInfo(InetSocketAddress.createUnresolved("localhost", address.getPort()), auth);
        }
        builder.setCommandFactory(binary ? new BinaryCommandFactory() : new TextCommandFactory());
        builder.setConnectionPoolSize(1);
        builder.setOpTimeout(TIMEOUT_MS);
        builder.setConnectTimeout(TIMEOUT_MS);
        builder.setTranscoder(new Raw());
        x = builder.build();
    }

    /** Bytes as they are: no compression, no serialisation, flags 0, no client-side size limit. */
    private static final class Raw implements Transcoder<byte[]> {
        @Override
        public CachedData encode(byte[] o) {
            return new CachedData(0, o);
        }

        @Override
        public byte[] decode(CachedData d) {
            return d.getData();
        }

        @Override
        public void setPrimitiveAsString(boolean b) {
        }

        @Override
        public void setPackZeros(boolean b) {
        }

        @Override
        public void setCompressionThreshold(int t) {
        }

        @Override
        public boolean isPrimitiveAsString() {
            return false;
        }

        @Override
        public boolean isPackZeros() {
            return false;
        }

        @Override
        public void setCompressionMode(CompressionMode mode) {
        }
    }

    @Override
    public boolean set(String key, int exptime, byte[] value) throws Exception {
        return x.set(key, exptime, value);
    }

    @Override
    public boolean add(String key, int exptime, byte[] value) throws Exception {
        return x.add(key, exptime, value);
    }

    @Override
    public boolean replace(String key, int exptime, byte[] value) throws Exception {
        return x.replace(key, exptime, value);
    }

    @Override
    public boolean append(String key, byte[] value) throws Exception {
        return x.append(key, value);
    }

    @Override
    public boolean prepend(String key, byte[] value) throws Exception {
        return x.prepend(key, value);
    }

    @Override
    public byte[] get(String key) throws Exception {
        return x.get(key);
    }

    @Override
    public Versioned gets(String key) throws Exception {
        GetsResponse<byte[]> r = x.gets(key);
        return r == null ? null : new Versioned(r.getValue(), r.getCas());
    }

    @Override
    public boolean cas(String key, long cas, int exptime, byte[] value) throws Exception {
        return x.cas(key, exptime, value, cas);
    }

    @Override
    public boolean delete(String key) throws Exception {
        return x.delete(key);
    }

    @Override
    public long incr(String key, long delta) throws Exception {
        return x.incr(key, delta);
    }

    @Override
    public long decr(String key, long delta) throws Exception {
        return x.decr(key, delta);
    }

    @Override
    public long incrOrCreate(String key, long delta, long initial) throws Exception {
        return x.incr(key, delta, initial);
    }

    @Override
    public boolean touch(String key, int exptime) throws Exception {
        return x.touch(key, exptime);
    }

    @Override
    public Map<String, byte[]> getMulti(List<String> keys) throws Exception {
        Map<String, byte[]> got = x.get(keys);
        return got == null ? Map.of() : new HashMap<>(got);
    }

    @Override
    public void close() throws Exception {
        x.shutdown();
    }
}
