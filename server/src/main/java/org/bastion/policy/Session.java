package org.bastion.policy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.bastion.stats.ConnectionInfo;

/**
 * Who is asking, for one connection: its source, what the gate decided it may do, and (when the server requires
 * authentication) the {@link User} it logged in as. Created by the {@link ConnectionGate} when it admits the
 * connection, read by {@link Policy} for every command.
 */
public final class Session implements ConnectionInfo {
    private final InetSocketAddress remote;
    private final SocketAddress local;
    private final boolean readOnly;
    /** Whether this connection must log in before any command but the login itself. */
    private final boolean authRequired;
    /** Who logged in, or null. Written and read on the connection's event loop; volatile for {@code stats conns}. */
    private volatile User user;
    /** A CRAM-MD5 challenge sent and not yet answered, or null. */
    private byte[] challenge;
    private volatile boolean gone;
    /** Failed logins on this connection: bounded, the connection closes past the bound. */
    private int failedLogins;
    /** Clock nanos of the last complete command, for {@code stats conns}. */
    private volatile long lastCommandNanos = System.nanoTime();
    /** The connection's number in {@code stats conns}, {@code watch} and {@code -v} lines (memcached's fd). */
    private volatile long id;
    /** The verified TLS client certificate's names (subject CN, then SAN DNS names and emails), or empty. */
    private volatile java.util.List<String> tlsPeerNames = java.util.List.of();
    /** Why the connection is closing, for {@code watch connevents}: normal unless the server chose to close it. */
    private volatile CloseReason closeReason = CloseReason.NORMAL;

    /** memcached's close reasons, as {@code watch connevents} prints them in {@code reason=}. */
    public enum CloseReason {
        /** The client broke the protocol (an oversize line, an HTTP request). */
        ERROR("error"),
        /** The client closed, or asked to ({@code quit}). */
        NORMAL("normal"),
        /** The server's timer closed it: {@code -o idle_timeout}, or {@code --request-timeout} mid-request. */
        IDLE_TIMEOUT("idle_timeout"),
        /** The connection asked the server to stop ({@code shutdown}). */
        SHUTDOWN("shutdown");

        private final String label;

        CloseReason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public Session(SocketAddress remote, SocketAddress local, boolean readOnly) {
        this(remote, local, readOnly, false);
    }

    public Session(SocketAddress remote, SocketAddress local, boolean readOnly, boolean authRequired) {
        this.remote = remote instanceof InetSocketAddress inet ? inet : null;
        this.local = local;
        this.readOnly = readOnly;
        this.authRequired = authRequired;
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

    /** Whether the server requires this connection to log in. */
    public boolean authRequired() {
        return authRequired;
    }

    /** Whether commands may run: no login is required, or the connection has logged in. */
    public boolean authenticated() {
        return !authRequired || user != null;
    }

    /** The user this connection logged in as, or null (not logged in, or no authentication configured). */
    public User user() {
        return user;
    }

    /** Records a successful login; later logins on the same connection replace the user, as in memcached. */
    public void signIn(User user) {
        this.user = user;
        this.challenge = null;
    }

    /** The CRAM-MD5 challenge awaiting its answer, or null. */
    public byte[] challenge() {
        return challenge;
    }

    public void challenge(byte[] challenge) {
        this.challenge = challenge;
    }

    /** Counts a failed login on this connection; returns how many there have been. */
    public int loginFailed() {
        challenge = null;
        return ++failedLogins;
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

    /** The connection has closed: work queued for it (a password check) is skipped, not done for nobody. */
    public void gone() {
        gone = true;
    }

    public boolean isGone() {
        return gone;
    }

    /** Records why the server closes this connection (else it is {@link CloseReason#NORMAL}). */
    public void closeFor(CloseReason reason) {
        closeReason = reason;
    }

    public CloseReason closeReason() {
        return closeReason;
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
