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
    /**
     * Lists what is stored ({@code stats cachedump}, {@code lru_crawler metadump}): {@code -X} switches it off. A
     * read-only source may: it may read every item anyway, and a listing is the contents, not anyone's activity.
     */
    DUMP,
    /**
     * Shows keys or key prefixes as they are used ({@code stats detail dump}, {@code watch} of fetchers, mutations or
     * evictions): {@code -X} switches it off, as {@link #DUMP}, and a read-only source is refused it.
     */
    PEEK,
    /** Changes how the server runs ({@code cache_memlimit}, {@code slabs automove}): a write for policy's purposes. */
    ADMIN,
    /**
     * Changes only how the server logs ({@code verbosity}): allowed to read-only sources, as before users existed,
     * but a user needs the {@code admin} right.
     */
    TUNE,
    /** Logging in (the text login, binary SASL): the one kind served before a session has authenticated. */
    AUTHENTICATE;

    /**
     * Whether a read-only source is refused this ({@link #PEEK} too: a read-only source may read what is stored, but
     * not watch what other clients do with it).
     */
    boolean changesData() {
        return this == WRITE || this == FLUSH || this == SHUTDOWN || this == ADMIN || this == PEEK;
    }
}
