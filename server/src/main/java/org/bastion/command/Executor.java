package org.bastion.command;

import org.bastion.policy.Session;

/**
 * Runs commands: what every protocol translator calls, and nothing else. One implementation,
 * {@link CommandExecutor}; the interface lets decoder tests record the commands a translator builds.
 */
public interface Executor {
    /** Decides policy for, counts and runs one command. */
    Outcome execute(Session session, Command command);

    /** {@code -I}: translators need it to frame a value they will discard rather than keep. */
    int maxItemSize();

    /** memcached's expiry rules: the clock deadline (nanos) that an exptime means now. */
    long deadline(long exptime);

    /** The store's clock, for translators that print remaining TTLs and ages. */
    long nanoTime();
}
