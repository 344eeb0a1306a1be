package org.bastion.policy;

/**
 * What a protocol handler tells the {@link TimeoutHandler} about the request it is reading, so one timeout mechanism
 * serves every protocol. Implement it on the protocol's pipeline handler (the timeout handler finds it in the
 * pipeline); a protocol without it gets the idle timeout but not the request timeout.
 */
public interface RequestProgress {
    /** Whether part of a command or value has arrived and the rest has not. */
    boolean hasPartialRequest();

    /** How many requests this connection has completed so far; it only grows. */
    long completedRequests();

    /**
     * Whether the connection only receives now ({@code watch}): memcached's idle timeout closes only a connection
     * waiting for its next command, never a watcher.
     */
    default boolean onlyReceives() {
        return false;
    }
}
