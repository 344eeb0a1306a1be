package org.bastion.stats;

import java.net.SocketAddress;

/** What {@code stats conns} shows of one open connection. */
public interface ConnectionInfo {
    /** The client's address, or null when there is no socket. */
    SocketAddress remote();

    /** The listening address the client reached. */
    SocketAddress listenAddress();

    /** What the connection is doing, in memcached's state names. */
    String state();

    /** {@link System#nanoTime()} of the connection's last complete command. */
    long lastCommandNanos();
}
