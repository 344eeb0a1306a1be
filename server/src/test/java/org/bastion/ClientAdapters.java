package org.bastion;

import com.spotify.folsom.BinaryMemcacheClient;
import com.spotify.folsom.GetResult;
import com.spotify.folsom.MemcacheClient;
import com.spotify.folsom.MemcacheClientBuilder;
import com.spotify.folsom.MemcacheStatus;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import net.rubyeye.xmemcached.GetsResponse;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.command.BinaryCommandFactory;
import net.rubyeye.xmemcached.command.TextCommandFactory;
import net.rubyeye.xmemcached.transcoders.SerializingTranscoder;
import net.spy.memcached.BinaryConnectionFactory;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.ConnectionFactory;
import net.spy.memcached.DefaultConnectionFactory;
import net.spy.memcached.MemcachedClient;

/**
 * The three Java clients behind one small interface, so the same scenarios run on each client in each protocol.
 * Timeouts are generous: the build machine is shared and slow.
 */
final class ClientAdapters {
    static final long TIMEOUT_MS = 20_000;

    private ClientAdapters() {
    }

    /** What a scenario may ask of a client; string values are UTF-8 bytes on the wire for all three. */
    interface Client extends AutoCloseable {
        boolean set(String key, String value, int exptime) throws Exception;

        boolean setBytes(String key, byte[] value) throws Exception;

        String get(String key) throws Exception;

        byte[] getBytes(String key) throws Exception;

        boolean add(String key, String value) throws Exception;

        boolean replace(String key, String value) throws Exception;

        boolean append(String key, String value) throws Exception;

        boolean prepend(String key, String value) throws Exception;

        /** The value's CAS unique, or null on a miss. */
        Long gets(String key) throws Exception;

        /** A compare-and-swap; true when stored. */
        boolean cas(String key, String value, long cas) throws Exception;

        boolean delete(String key) throws Exception;

        long incr(String key, long by) throws Exception;

        long decr(String key, long by) throws Exception;

        /** Binary only: incr that creates a missing counter with {@code initial} (never expiring). */
        long incrOrCreate(String key, long by, long initial) throws Exception;

        boolean touch(String key, int exptime) throws Exception;

        Map<String, String> getMulti(List<String> keys) throws Exception;

        @Override
        void close();
    }

    /** A named way to connect, for parameterised tests. */
    record Connector(String name, Function<InetSocketAddress, Client> connect) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Connector> binary() {
        return List.of(new Connector("spymemcached binary", a -> new Spy(a, true)),
                new Connector("xmemcached binary", a -> new Xmemcached(a, true)),
                new Connector("folsom binary", a -> new Folsom(a, true)));
    }

    static List<Connector> text() {
        return List.of(new Connector("spymemcached text", a -> new Spy(a, false)),
                new Connector("xmemcached text", a -> new Xmemcached(a, false)),
                new Connector("folsom text", a -> new Folsom(a, false)));
    }

    static final class Spy implements Client {
        private final MemcachedClient client;

        Spy(InetSocketAddress address, boolean binary) {
            ConnectionFactory factory = binary
                    ? new BinaryConnectionFactory() {
                        @Override
                        public long getOperationTimeout() {
                            return TIMEOUT_MS;
                        }
                    }
                    : new DefaultConnectionFactory() {
                        @Override
                        public long getOperationTimeout() {
                            return TIMEOUT_MS;
                        }
                    };
            try {
                client = new MemcachedClient(factory, List.of(address));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private static boolean ok(java.util.concurrent.Future<Boolean> f) throws Exception {
            return f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }

        @Override
        public boolean set(String key, String value, int exptime) throws Exception {
            return ok(client.set(key, exptime, value));
        }

        @Override
        public boolean setBytes(String key, byte[] value) throws Exception {
            return ok(client.set(key, 0, value));
        }

        @Override
        public String get(String key) throws Exception {
            return (String) client.get(key);
        }

        @Override
        public byte[] getBytes(String key) throws Exception {
            return (byte[]) client.get(key);
        }

        @Override
        public boolean add(String key, String value) throws Exception {
            return ok(client.add(key, 0, value));
        }

        @Override
        public boolean replace(String key, String value) throws Exception {
            return ok(client.replace(key, 0, value));
        }

        @Override
        public boolean append(String key, String value) throws Exception {
            return ok(client.append(key, value));
        }

        @Override
        public boolean prepend(String key, String value) throws Exception {
            return ok(client.prepend(key, value));
        }

        @Override
        public Long gets(String key) throws Exception {
            CASValue<Object> v = client.gets(key);
            return v == null ? null : v.getCas();
        }

        @Override
        public boolean cas(String key, String value, long cas) throws Exception {
            return client.cas(key, cas, value) == CASResponse.OK;
        }

        @Override
        public boolean delete(String key) throws Exception {
            return ok(client.delete(key));
        }

        @Override
        public long incr(String key, long by) {
            return client.incr(key, by);
        }

        @Override
        public long decr(String key, long by) {
            return client.decr(key, by);
        }

        @Override
        public long incrOrCreate(String key, long by, long initial) {
            return client.incr(key, by, initial, 0);
        }

        @Override
        public boolean touch(String key, int exptime) throws Exception {
            return ok(client.touch(key, exptime));
        }

        @Override
        public Map<String, String> getMulti(List<String> keys) {
            Map<String, String> out = new HashMap<>();
            client.getBulk(keys).forEach((k, v) -> out.put(k, (String) v));
            return out;
        }

        @Override
        public void close() {
            client.shutdown(5, TimeUnit.SECONDS);
        }
    }

    static final class Xmemcached implements Client {
        private final net.rubyeye.xmemcached.MemcachedClient client;

        Xmemcached(InetSocketAddress address, boolean binary) {
            XMemcachedClientBuilder builder = new XMemcachedClientBuilder(List.of(address));
            builder.setCommandFactory(binary ? new BinaryCommandFactory() : new TextCommandFactory());
            builder.setOpTimeout(TIMEOUT_MS);
            builder.setConnectTimeout(TIMEOUT_MS);
            // The default transcoder refuses values over 1 MiB before sending; the server is the one to judge here.
            builder.setTranscoder(new SerializingTranscoder(8 * 1024 * 1024));
            try {
                client = builder.build();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public boolean set(String key, String value, int exptime) throws Exception {
            return client.set(key, exptime, value);
        }

        @Override
        public boolean setBytes(String key, byte[] value) throws Exception {
            return client.set(key, 0, value);
        }

        @Override
        public String get(String key) throws Exception {
            return client.get(key);
        }

        @Override
        public byte[] getBytes(String key) throws Exception {
            return client.get(key);
        }

        @Override
        public boolean add(String key, String value) throws Exception {
            return client.add(key, 0, value);
        }

        @Override
        public boolean replace(String key, String value) throws Exception {
            return client.replace(key, 0, value);
        }

        @Override
        public boolean append(String key, String value) throws Exception {
            return client.append(key, value);
        }

        @Override
        public boolean prepend(String key, String value) throws Exception {
            return client.prepend(key, value);
        }

        @Override
        public Long gets(String key) throws Exception {
            GetsResponse<Object> r = client.gets(key);
            return r == null ? null : r.getCas();
        }

        @Override
        public boolean cas(String key, String value, long cas) throws Exception {
            return client.cas(key, 0, value, cas);
        }

        @Override
        public boolean delete(String key) throws Exception {
            return client.delete(key);
        }

        @Override
        public long incr(String key, long by) throws Exception {
            return client.incr(key, by);
        }

        @Override
        public long decr(String key, long by) throws Exception {
            return client.decr(key, by);
        }

        @Override
        public long incrOrCreate(String key, long by, long initial) throws Exception {
            return client.incr(key, by, initial);
        }

        @Override
        public boolean touch(String key, int exptime) throws Exception {
            return client.touch(key, exptime);
        }

        @Override
        public Map<String, String> getMulti(List<String> keys) throws Exception {
            Map<String, String> out = client.get(keys);
            return out == null ? Map.of() : out;
        }

        @Override
        public void close() {
            try {
                client.shutdown();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static final class Folsom implements Client {
        private final MemcacheClient<String> strings;
        private final MemcacheClient<byte[]> bytes;

        Folsom(InetSocketAddress address, boolean binary) {
            strings = connect(MemcacheClientBuilder.newStringClient(), address, binary);
            bytes = connect(MemcacheClientBuilder.newByteArrayClient(), address, binary);
        }

        private static <V> MemcacheClient<V> connect(MemcacheClientBuilder<V> builder, InetSocketAddress address,
                boolean binary) {
            builder.withAddress(address.getHostString(), address.getPort())
                    .withRequestTimeoutMillis(TIMEOUT_MS)
                    .withMaxSetLength(8 * 1024 * 1024);
            MemcacheClient<V> client = binary ? builder.connectBinary() : builder.connectAscii();
            try {
                client.awaitConnected(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                client.shutdown();
                throw new IllegalStateException(e);
            }
            return client;
        }

        private static <T> T await(CompletionStage<T> stage) throws Exception {
            try {
                return stage.toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }

        private static boolean ok(CompletionStage<MemcacheStatus> stage) throws Exception {
            return await(stage) == MemcacheStatus.OK;
        }

        @Override
        public boolean set(String key, String value, int exptime) throws Exception {
            return ok(strings.set(key, value, exptime));
        }

        @Override
        public boolean setBytes(String key, byte[] value) throws Exception {
            return ok(bytes.set(key, value, 0));
        }

        @Override
        public String get(String key) throws Exception {
            return await(strings.get(key));
        }

        @Override
        public byte[] getBytes(String key) throws Exception {
            return await(bytes.get(key));
        }

        @Override
        public boolean add(String key, String value) throws Exception {
            return ok(strings.add(key, value, 0));
        }

        @Override
        public boolean replace(String key, String value) throws Exception {
            return ok(strings.replace(key, value, 0));
        }

        @Override
        public boolean append(String key, String value) throws Exception {
            return ok(strings.append(key, value));
        }

        @Override
        public boolean prepend(String key, String value) throws Exception {
            return ok(strings.prepend(key, value));
        }

        @Override
        public Long gets(String key) throws Exception {
            GetResult<String> r = await(strings.casGet(key));
            return r == null ? null : r.getCas();
        }

        @Override
        public boolean cas(String key, String value, long cas) throws Exception {
            return ok(strings.set(key, value, 0, cas));
        }

        @Override
        public boolean delete(String key) throws Exception {
            return ok(strings.delete(key));
        }

        @Override
        public long incr(String key, long by) throws Exception {
            Long v = await(strings instanceof BinaryMemcacheClient<String> b ? b.incr(key, by, 0, -1)
                    : ((com.spotify.folsom.AsciiMemcacheClient<String>) strings).incr(key, by));
            return v == null ? -1 : v;
        }

        @Override
        public long decr(String key, long by) throws Exception {
            Long v = await(strings instanceof BinaryMemcacheClient<String> b ? b.decr(key, by, 0, -1)
                    : ((com.spotify.folsom.AsciiMemcacheClient<String>) strings).decr(key, by));
            return v == null ? -1 : v;
        }

        @Override
        public long incrOrCreate(String key, long by, long initial) throws Exception {
            return await(((BinaryMemcacheClient<String>) strings).incr(key, by, initial, 0));
        }

        @Override
        public boolean touch(String key, int exptime) throws Exception {
            return ok(strings.touch(key, exptime));
        }

        @Override
        public Map<String, String> getMulti(List<String> keys) throws Exception {
            List<String> values = await(strings.get(keys));
            Map<String, String> out = new HashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                if (values.get(i) != null) {
                    out.put(keys.get(i), values.get(i));
                }
            }
            return out;
        }

        @Override
        public void close() {
            strings.shutdown();
            bytes.shutdown();
        }
    }

    static List<String> keys(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i);
        }
        return out;
    }
}
