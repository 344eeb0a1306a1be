package org.bastion.clients;

import com.spotify.folsom.AsciiMemcacheClient;
import com.spotify.folsom.ConnectFuture;
import com.spotify.folsom.GetResult;
import com.spotify.folsom.MemcacheClientBuilder;
import com.spotify.folsom.MemcacheStatus;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** {@link ClientScenario} with folsom 1.21.0's ascii client. */
class FolsomAsciiTest extends ClientScenario {
    @Override
    CacheClient connect(InetSocketAddress address) throws Exception {
        AsciiMemcacheClient<byte[]> client = MemcacheClientBuilder.newByteArrayClient()
                .withAddress(address.getHostString(), address.getPort())
                .withMaxSetLength(2 * 1024 * 1024)
                .withRequestTimeoutMillis(10_000)
                .connectAscii();
        await(ConnectFuture.connectFuture(client));
        return new Folsom(client);
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    /** Adapts folsom's completion stages to {@link CacheClient}. */
    static final class Folsom implements CacheClient {
        private final AsciiMemcacheClient<byte[]> f;

        Folsom(AsciiMemcacheClient<byte[]> f) {
            this.f = f;
        }

        private static boolean ok(CompletionStage<MemcacheStatus> status) throws Exception {
            return await(status) == MemcacheStatus.OK;
        }

        @Override
        public boolean set(String key, int exptime, byte[] value) throws Exception {
            return ok(f.set(key, value, exptime));
        }

        @Override
        public boolean add(String key, int exptime, byte[] value) throws Exception {
            return ok(f.add(key, value, exptime));
        }

        @Override
        public boolean replace(String key, int exptime, byte[] value) throws Exception {
            return ok(f.replace(key, value, exptime));
        }

        @Override
        public boolean append(String key, byte[] value) throws Exception {
            return ok(f.append(key, value));
        }

        @Override
        public boolean prepend(String key, byte[] value) throws Exception {
            return ok(f.prepend(key, value));
        }

        @Override
        public byte[] get(String key) throws Exception {
            return await(f.get(key));
        }

        @Override
        public Versioned gets(String key) throws Exception {
            GetResult<byte[]> r = await(f.casGet(key));
            return r == null ? null : new Versioned(r.getValue(), r.getCas());
        }

        @Override
        public boolean cas(String key, long cas, int exptime, byte[] value) throws Exception {
            return ok(f.set(key, value, exptime, cas));
        }

        @Override
        public boolean delete(String key) throws Exception {
            return ok(f.delete(key));
        }

        @Override
        public long incr(String key, long delta) throws Exception {
            Long v = await(f.incr(key, delta));
            return v == null ? -1 : v;
        }

        @Override
        public long decr(String key, long delta) throws Exception {
            Long v = await(f.decr(key, delta));
            return v == null ? -1 : v;
        }

        @Override
        public boolean touch(String key, int exptime) throws Exception {
            return ok(f.touch(key, exptime));
        }

        @Override
        public Map<String, byte[]> getMulti(List<String> keys) throws Exception {
            List<byte[]> values = await(f.get(keys));
            Map<String, byte[]> out = new HashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                if (values.get(i) != null) {
                    out.put(keys.get(i), values.get(i));
                }
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            f.shutdown();
            await(ConnectFuture.disconnectFuture(f));
        }
    }
}
