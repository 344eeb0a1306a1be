package org.bastion.policy;

/** The answer of {@link Policy#decide}: allowed, or the one reason it is not. */
public enum Decision {
    ALLOW,
    /** The source is in {@code --read-only-from} and the command changes data. */
    READ_ONLY,
    /** {@code flush_all} under {@code -F}. */
    FLUSH_DISABLED,
    /** {@code shutdown} without {@code -A}. */
    SHUTDOWN_DISABLED,
    /** A key-dumping command under {@code -X}. */
    DUMP_DISABLED,
    /** Authentication is required and the session has not logged in. */
    UNAUTHENTICATED,
    /** The user's role does not grant this kind of command. */
    ROLE,
    /** The user is confined to a key prefix: a key outside it, or a command over all keys (flush_all, listings). */
    OUTSIDE_PREFIX
}
