package org.bastion.clients;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.transcoders.SerializingTranscoder;
import net.spy.memcached.transcoders.Transcoder;

/** {@link ClientScenario} with spymemcached 2.12.3's default text-protocol client. */
class SpymemcachedTextTest extends ClientScenario {
    @Override
    CacheClient connect(InetSocketAddress address) throws Exception {
        MemcachedClient spy = new MemcachedClient(new ConnectionFactoryBuilder()
                .setProtocol(ConnectionFactoryBuilder.Protocol.TEXT).setOpTimeout(10_000).build(), List.of(address));
        // byte[] values as they are: no compression, room for values past 1 MiB.
        SerializingTranscoder raw = new SerializingTranscoder(2 * 1024 * 1024);
        raw.setCompressionThreshold(Integer.MAX_VALUE);
        return new Spy(spy, raw);
    }

    /** Adapts spymemcached's futures to {@link CacheClient}. */
    static final class Spy implements CacheClient {
        private final MemcachedClient spy;
        private final Transcoder<Object> tc;

        Spy(MemcachedClient spy, Transcoder<Object> tc) {
            this.spy = spy;
            this.tc = tc;
        }

        @Override
        public boolean set(String key, int exptime, byte[] value) throws Exception {
            return spy.set(key, exptime, value, tc).get();
        }

        @Override
        public boolean add(String key, int exptime, byte[] value) throws Exception {
            return spy.add(key, exptime, value, tc).get();
        }

        @Override
        public boolean replace(String key, int exptime, byte[] value) throws Exception {
            return spy.replace(key, exptime, value, tc).get();
        }

        @Override
        public boolean append(String key, byte[] value) throws Exception {
            return spy.append(key, (Object) value, tc).get();
        }

        @Override
        public boolean prepend(String key, byte[] value) throws Exception {
            return spy.prepend(key, (Object) value, tc).get();
        }

        @Override
        public byte[] get(String key) {
            return (byte[]) spy.get(key, tc);
        }

        @Override
        public Versioned gets(String key) {
            CASValue<Object> v = spy.gets(key, tc);
            return v == null ? null : new Versioned((byte[]) v.getValue(), v.getCas());
        }

        @Override
        public boolean cas(String key, long cas, int exptime, byte[] value) {
            return spy.cas(key, cas, exptime, value, tc) == CASResponse.OK;
        }

        @Override
        public boolean delete(String key) throws Exception {
            return spy.delete(key).get();
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
        public boolean touch(String key, int exptime) throws Exception {
            return spy.touch(key, exptime).get();
        }

        @Override
        public Map<String, byte[]> getMulti(List<String> keys) {
            Map<String, byte[]> out = new HashMap<>();
            spy.getBulk(keys, tc).forEach((k, v) -> out.put(k, (byte[]) v));
            return out;
        }

        @Override
        public void close() {
            spy.shutdown(5, TimeUnit.SECONDS);
        }
    }
}
