package org.bastion.command;

import org.bastion.stats.ServerFacts;

/** What a command may ask of the running server as a whole; the transport's server implements it. */
public interface ServerControl extends ServerFacts {
    /** Starts a graceful shutdown (the {@code shutdown} command, when {@code -A} allows it). */
    void shutdown();

    /** Sets the verbosity level ({@code verbosity} command). */
    void verbosity(int level);

    /**
     * Reloads the TLS certificates ({@code refresh_certs}).
     *
     * @return null on success, else memcached's error line without its CRLF
     */
    default String refreshCerts() {
        return "Error TLS not enabled";
    }

    /**
     * Writes a snapshot now ({@code snapshot} command): completes with a one-line summary once the file is durable, or
     * with the failure. A server without {@code --snapshot-file} fails it at once.
     */
    default java.util.concurrent.CompletableFuture<String> snapshot() {
        return java.util.concurrent.CompletableFuture.failedFuture(
                new IllegalStateException("snapshots are off: start with --snapshot-file <path>"));
    }
}
