package org.bastion.policy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.bastion.store.Clock;

/** Per-connection facts the command path needs: who the client is and what it may do. */
public final class Session {
    public final InetSocketAddress remote;
    public final SocketAddress local;
    /** Set by the policy gate: this source may only read. */
    public volatile boolean readOnly;
    /** Clock nanos of the last complete command, for {@code stats conns}. */
    public volatile long lastCommandNanos = System.nanoTime();
    /** What the connection is doing, for {@code stats conns}. */
    public volatile String state = "conn_new_cmd";

    Session(SocketAddress remote, SocketAddress local) {
        this.remote = remote instanceof InetSocketAddress inet ? inet : null;
        this.local = local;
    }

    public InetAddress sourceAddress() {
        return remote == null ? null : remote.getAddress();
    }

    /** A session for in-process use (benchmarks, tests) with no socket behind it. */
    static Session local() {
        return new Session(null, null);
    }
}
