package org.bastion.policy;

/**
 * What a command does, as far as policy cares. Every command declares one; {@link Policy#decide} turns it and the
 * session into a {@link Decision}. New kinds of right (per-user roles) extend this, not the protocols.
 */
public enum Access {
    /** Reads items or server figures, changes nothing stored. */
    READ,
    /** Changes data or expiry: storage commands, delete, incr/decr, touch, gat. */
    WRITE,
    /** {@code flush_all}: a write that {@code -F} can switch off. */
    FLUSH,
    /** {@code shutdown}: a write that only {@code -A} switches on. */
    SHUTDOWN,
    /** Lists keys ({@code stats cachedump}, {@code stats detail dump}): {@code -X} switches it off. */
    DUMP,
    /**
     * {@code stats reset}: zeroes the counters, the security counters ({@code denied_connections},
     * {@code rejected_connections}) among them, so a read-only source is refused it.
     */
    RESET;

    /** Whether a read-only source is refused this. */
    boolean changesData() {
        return this == WRITE || this == FLUSH || this == SHUTDOWN || this == RESET;
    }
}
