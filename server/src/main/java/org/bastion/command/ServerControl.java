package org.bastion.command;

/** What a command may ask of the running server as a whole. */
public interface ServerControl {
    /** Starts a graceful shutdown (the {@code shutdown} command, when {@code -A} allows it). */
    void shutdown();

    /** Sets the verbosity level ({@code verbosity} command). */
    void verbosity(int level);

    /** The current verbosity level. */
    int verbosity();

    /** The bound TCP port. */
    int port();

    /** The number of worker threads. */
    int threads();
}
