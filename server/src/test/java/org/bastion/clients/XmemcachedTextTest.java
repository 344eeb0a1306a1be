package org.bastion.clients;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.rubyeye.xmemcached.GetsResponse;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.command.TextCommandFactory;
import net.rubyeye.xmemcached.transcoders.SerializingTranscoder;

/** {@link ClientScenario} with xmemcached 2.4.9 and its text command factory. */
class XmemcachedTextTest extends ClientScenario {
    @Override
    CacheClient connect(InetSocketAddress address) throws Exception {
        XMemcachedClientBuilder builder = new XMemcachedClientBuilder(List.of(address));
        builder.setCommandFactory(new TextCommandFactory());
        builder.setConnectionPoolSize(1);
        builder.setOpTimeout(10_000);
        SerializingTranscoder raw = new SerializingTranscoder(2 * 1024 * 1024);
        raw.setCompressionThreshold(Integer.MAX_VALUE);
        builder.setTranscoder(raw);
        return new Xmemcached(builder.build());
    }

    /** Adapts xmemcached's blocking calls to {@link CacheClient}. */
    static final class Xmemcached implements CacheClient {
        private final MemcachedClient x;

        Xmemcached(MemcachedClient x) {
            this.x = x;
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
}
