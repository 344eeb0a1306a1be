package org.bastion.stats;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live connections and listening sockets, for {@code stats conns}. A connection is added when its protocol stage
 * starts and removed when its channel closes; each gets a number in place of memcached's file descriptor.
 */
public final class ConnectionRegistry {
    private final AtomicLong ids = new AtomicLong();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentSkipListMap<Long, ConnectionInfo> open = new ConcurrentSkipListMap<>();

    /** A listening socket and when it started, as memcached reports it with state {@code conn_listening}. */
    record Listener(long id, SocketAddress address, long sinceNanos) {
    }

    public void listening(SocketAddress address) {
        listeners.add(new Listener(ids.incrementAndGet(), address, System.nanoTime()));
    }

    /** Registers an admitted connection; returns its number, to pass to {@link #remove}. */
    public long add(ConnectionInfo connection) {
        long id = ids.incrementAndGet();
        open.put(id, connection);
        return id;
    }

    public void remove(long id) {
        open.remove(id);
    }

    List<Listener> listeners() {
        return listeners;
    }

    /** Open connections by number, oldest first. */
    Map<Long, ConnectionInfo> open() {
        return open;
    }

    int size() {
        return open.size();
    }

    /** memcached's address form: {@code tcp:127.0.0.1:11211}, {@code tcp6:[::1]:11211}. */
    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            if (inet.getAddress() instanceof Inet6Address) {
                return "tcp6:[" + inet.getAddress().getHostAddress() + "]:" + inet.getPort();
            }
            return "tcp:" + inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
