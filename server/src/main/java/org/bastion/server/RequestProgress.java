package org.bastion.server;

/**
 * What a protocol handler tells the {@link TimeoutHandler} about the request it is reading, so one timeout mechanism
 * serves every protocol.
 */
interface RequestProgress {
    /** Whether part of a command or value has arrived and the rest has not. */
    boolean hasPartialRequest();

    /** How many requests this connection has completed so far; it only grows. */
    long completedRequests();
}
