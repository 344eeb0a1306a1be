package org.bastion.junit;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;
import org.bastion.Bastion;

/**
 * A pool of independent embedded Bastion servers on loopback, for tests of sharding clients (ketama in spymemcached,
 * xmemcached, libmemcached) and of proxies (twemproxy): each member has its own ephemeral port, items and threads, and
 * can be stopped and restarted on the same port to play a node that dies and comes back.
 *
 * <pre>{@code
 * try (ServerPool pool = ServerPool.start(3)) {
 *     MemcachedClient client = new MemcachedClient(new KetamaConnectionFactory(),
 *             AddrUtil.getAddresses(pool.serverList()));   // "127.0.0.1:40123 127.0.0.1:40124 127.0.0.1:40125"
 *     ...
 *     pool.stop(1);      // a node dies
 *     pool.restart(1);   // and comes back, empty, on the same port
 * }
 * }</pre>
 *
 * <p>In a JUnit 5 test, {@link BastionPool @BastionPool(size = 3)} on a field or parameter of this type starts one and
 * stops it after the class or the test. Members are numbered from 0 in start order; a member's address does not change
 * when it is restarted. Not thread-safe: start, stop and restart from one thread.
 */
public final class ServerPool implements AutoCloseable {
    private final Bastion.Builder builder;
    /** Where each member keeps its snapshot across {@link #restart(int)} (member-N.snap), or null for cold restarts. */
    private final Path snapshots;
    private final List<InetSocketAddress> addresses;
    /** The running server of each member, or null while it is stopped. */
    private final Bastion[] running;

    private ServerPool(Bastion.Builder builder, Path snapshots, Bastion[] started) {
        this.builder = builder;
        this.snapshots = snapshots;
        this.running = started;
        List<InetSocketAddress> a = new ArrayList<>(started.length);
        for (Bastion b : started) {
            a.add(b.address());
        }
        this.addresses = Collections.unmodifiableList(a);
    }

    /** Starts {@code size} servers with the embedded defaults (loopback, ephemeral ports, hardened). */
    public static ServerPool start(int size) {
        return start(size, Bastion.builder());
    }

    /**
     * Starts {@code size} servers from {@code builder}, each on an ephemeral port (the builder's port is overridden:
     * members cannot share one). If one fails to start, those already started are closed before the error is thrown.
     */
    public static ServerPool start(int size, Bastion.Builder builder) {
        return start(size, builder, null);
    }

    /**
     * As {@link #start(int, Bastion.Builder)}, each member keeping its items in a snapshot file in {@code snapshots}
     * ({@code member-0.snap}, ...): a member written on {@link #stop(int)} comes back from {@link #restart(int)} with
     * its items (a warm restart, as a rolling upgrade of a pool does it).
     */
    public static ServerPool startWithSnapshots(int size, Bastion.Builder builder, Path snapshots) {
        return start(size, builder, Objects.requireNonNull(snapshots, "snapshots"));
    }

    private static ServerPool start(int size, Bastion.Builder builder, Path snapshots) {
        Objects.requireNonNull(builder, "builder");
        if (size < 1) {
            throw new IllegalArgumentException("size: a pool needs at least one server, not " + size);
        }
        Bastion[] started = new Bastion[size];
        try {
            for (int i = 0; i < size; i++) {
                started[i] = member(builder, snapshots, i, 0).start();
            }
        } catch (RuntimeException e) {
            for (Bastion b : started) {
                if (b != null) {
                    b.close();
                }
            }
            throw e;
        }
        return new ServerPool(builder, snapshots, started);
    }

    /** The builder for member {@code i} on {@code port}, with its snapshot file when the pool keeps them. */
    private static Bastion.Builder member(Bastion.Builder builder, Path snapshots, int i, int port) {
        Path file = snapshots == null ? null : snapshots.resolve("member-" + i + ".snap");
        return builder.settings(s -> s.port(port).snapshotFile(file));
    }

    /** How many members the pool has, running or stopped. */
    public int size() {
        return running.length;
    }

    /** Member {@code i}'s running server; fails when it is stopped. */
    public Bastion server(int i) {
        Bastion b = running[Objects.checkIndex(i, running.length)];
        if (b == null) {
            throw new IllegalStateException("pool member " + i + " (" + hostAndPort(i) + ") is stopped");
        }
        return b;
    }

    /** Whether member {@code i} is running. */
    public boolean isRunning(int i) {
        return running[Objects.checkIndex(i, running.length)] != null;
    }

    /** Every member's address, in member order, whether running or not. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** Member {@code i}'s port, which stays the same across {@link #restart(int)}. */
    public int port(int i) {
        return addresses.get(i).getPort();
    }

    /** Member {@code i}'s {@code host:port}, such as {@code 127.0.0.1:40123}. */
    public String hostAndPort(int i) {
        InetSocketAddress a = addresses.get(i);
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * Every member as {@code host:port}, separated by spaces: {@code 127.0.0.1:40123 127.0.0.1:40124}, the form
     * spymemcached's {@code AddrUtil.getAddresses} and xmemcached's {@code AddrUtil.getAddresses} parse.
     */
    public String serverList() {
        return serverList(" ");
    }

    /** Every member as {@code host:port} joined by {@code separator} (libmemcached's {@code --servers} wants ","). */
    public String serverList(String separator) {
        StringJoiner j = new StringJoiner(separator);
        for (int i = 0; i < running.length; i++) {
            j.add(hostAndPort(i));
        }
        return j.toString();
    }

    /**
     * Stops member {@code i} (closing its connections; its items are dropped, or written to its snapshot when the pool
     * keeps them); does nothing if it is stopped.
     */
    public void stop(int i) {
        Bastion b = running[Objects.checkIndex(i, running.length)];
        running[i] = null;
        if (b != null) {
            b.close();
        }
    }

    /**
     * Stops member {@code i} if it runs, then starts it again on its own port: empty, or with the items it had when
     * the pool keeps snapshots ({@link #startWithSnapshots}). Fails if something else took the port meanwhile.
     */
    public Bastion restart(int i) {
        stop(i);
        Bastion b = member(builder, snapshots, i, port(i)).start();
        running[i] = b;
        return b;
    }

    /** Drops every item of every running member. */
    public void flushAll() {
        for (Bastion b : running) {
            if (b != null) {
                b.flushAll();
            }
        }
    }

    /** Stops every member; calling it again does nothing. */
    @Override
    public void close() {
        for (int i = 0; i < running.length; i++) {
            stop(i);
        }
    }

    @Override
    public String toString() {
        return "ServerPool[" + serverList() + "]";
    }
}
