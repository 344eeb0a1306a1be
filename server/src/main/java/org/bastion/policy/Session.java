package org.bastion.policy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.bastion.stats.ConnectionInfo;

/**
 * Who is asking, for one connection: its source and what the gate decided it may do. Created by the
 * {@link ConnectionGate} when it admits the connection, read by {@link Policy} for every command.
 */
public final class Session implements ConnectionInfo {
    private final InetSocketAddress remote;
    private final SocketAddress local;
    private final boolean readOnly;
    /** Clock nanos of the last complete command, for {@code stats conns}. */
    private volatile long lastCommandNanos = System.nanoTime();
    /** The connection's number in {@code stats conns}, {@code watch} and {@code -v} lines (memcached's fd). */
    private volatile long id;
    /** The verified TLS client certificate's names (subject CN, then SAN DNS names and emails), or empty. */
    private volatile java.util.List<String> tlsPeerNames = java.util.List.of();

    public Session(SocketAddress remote, SocketAddress local, boolean readOnly) {
        this.remote = remote instanceof InetSocketAddress inet ? inet : null;
        this.local = local;
        this.readOnly = readOnly;
    }

    /** A session for in-process use (benchmarks, tests) with no socket behind it. */
    public static Session local() {
        return new Session(null, null, false);
    }

    public InetAddress sourceAddress() {
        return remote == null ? null : remote.getAddress();
    }

    /** Whether the source is in {@code --read-only-from}. */
    public boolean readOnly() {
        return readOnly;
    }

    public long id() {
        return id;
    }

    public void id(long id) {
        this.id = id;
    }

    /**
     * The verified TLS client certificate's first name (its subject CN, else its first SAN), or null when the
     * connection presented none: an identity per-user rules can map to a user.
     */
    public String tlsPeerName() {
        java.util.List<String> names = tlsPeerNames;
        return names.isEmpty() ? null : names.get(0);
    }

    /** Every name of the verified client certificate: subject CN first, then SAN DNS names and emails. */
    public java.util.List<String> tlsPeerNames() {
        return tlsPeerNames;
    }

    /** Set once, by the TLS stage, when the handshake verified a client certificate. */
    public void tlsPeerNames(java.util.List<String> names) {
        this.tlsPeerNames = java.util.List.copyOf(names);
    }

    /** Marks a command as complete now. */
    public void commandDone() {
        lastCommandNanos = System.nanoTime();
    }

    @Override
    public InetSocketAddress remote() {
        return remote;
    }

    @Override
    public SocketAddress listenAddress() {
        return local;
    }

    @Override
    public String state() {
        // Commands run to completion on the event loop between reads, so an open connection is always waiting.
        return "conn_new_cmd";
    }

    @Override
    public long lastCommandNanos() {
        return lastCommandNanos;
    }
}
