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
}
