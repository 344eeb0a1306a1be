package org.bastion.stats;

/** What {@code stats} and {@code stats settings} report of the running server that its settings do not say. */
public interface ServerFacts {
    /** The bound TCP port. */
    int port();

    /** The number of worker threads. */
    int threads();

    /** The current verbosity level. */
    int verbosity();

    /** The memory budget's figures (name, value) for {@code stats settings}; none when the server has no transport. */
    default String[][] budget() {
        return new String[0][];
    }

    /** The snapshot figures (name, value) for {@code stats}; none without {@code --snapshot-file}. */
    default String[][] snapshotFigures() {
        return new String[0][];
    }

    /** The TLS engine in use ({@code openssl} or {@code jdk}), or null without {@code -Z}. */
    default String tlsEngine() {
        return null;
    }
}
