package org.bastion.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Per-connection facts the command path needs: who the client is and what it may do. */
final class Session {
    final InetSocketAddress remote;
    final SocketAddress local;
    /** Set by the policy gate: this source may only read. */
    volatile boolean readOnly;
    /** Clock nanos of the last complete command, for {@code stats conns}. */
    volatile long lastCommandNanos = System.nanoTime();
    /** What the connection is doing, for {@code stats conns}. */
    volatile String state = "conn_new_cmd";

    Session(SocketAddress remote, SocketAddress local) {
        this.remote = remote instanceof InetSocketAddress inet ? inet : null;
        this.local = local;
    }

    InetAddress sourceAddress() {
        return remote == null ? null : remote.getAddress();
    }

    /** A session for in-process use (benchmarks, tests) with no socket behind it. */
    static Session local() {
        return new Session(null, null);
    }
}
