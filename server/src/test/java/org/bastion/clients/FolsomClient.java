package org.bastion.clients;

import com.spotify.folsom.AsciiMemcacheClient;
import com.spotify.folsom.BinaryMemcacheClient;
import com.spotify.folsom.ConnectFuture;
import com.spotify.folsom.GetResult;
import com.spotify.folsom.MemcacheClient;
import com.spotify.folsom.MemcacheClientBuilder;
import com.spotify.folsom.MemcacheStatus;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** folsom 1.21.0's byte-array client behind {@link CacheClient}, ascii or binary. */
public final class FolsomClient implements CacheClient {
    private final MemcacheClient<byte[]> f;

    public FolsomClient(InetSocketAddress address, boolean binary) throws Exception {
        this(address, binary, null, null);
    }

    /** Logging in as {@code user}: text with memcached's -Y login, binary with SASL PLAIN (folsom's two). */
    public FolsomClient(InetSocketAddress address, boolean binary, String user, String password) throws Exception {
        MemcacheClientBuilder<byte[]> builder = MemcacheClientBuilder.newByteArrayClient()
                .withAddress(address.getHostString(), address.getPort())
                .withMaxSetLength(MAX_VALUE)
                .withRequestTimeoutMillis(TIMEOUT_MS);
        if (user != null) {
            builder.withUsernamePassword(user, password);
        }
        f = binary ? builder.connectBinary() : builder.connectAscii();
        try {
            await(ConnectFuture.connectFuture(f));
        } catch (Exception e) {
            f.shutdown();
            throw e;
        }
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
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
        Long v = await(f instanceof BinaryMemcacheClient<byte[]> b ? b.incr(key, delta, 0, -1)
                : ((AsciiMemcacheClient<byte[]>) f).incr(key, delta));
        return v == null ? -1 : v;
    }

    @Override
    public long decr(String key, long delta) throws Exception {
        Long v = await(f instanceof BinaryMemcacheClient<byte[]> b ? b.decr(key, delta, 0, -1)
                : ((AsciiMemcacheClient<byte[]>) f).decr(key, delta));
        return v == null ? -1 : v;
    }

    @Override
    public long incrOrCreate(String key, long delta, long initial) throws Exception {
        return await(((BinaryMemcacheClient<byte[]>) f).incr(key, delta, initial, 0));
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
