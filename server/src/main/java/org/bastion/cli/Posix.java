package org.bastion.cli;

/**
 * The process-identity calls the JVM does not offer. {@link JnaPosix} calls libc; tests use a fake, so the root
 * refusal can be checked without being root.
 */
interface Posix {
    /** A user's identity from the password database. */
    record Account(String name, int uid, int gid) {
    }

    int getuid();

    int geteuid();

    int getgid();

    int getegid();

    /** The account named {@code user}, or null when there is none. */
    Account lookup(String user);

    /**
     * Becomes {@code account}: its supplementary groups (initgroups), then its gid, then its uid, for every thread.
     *
     * @throws IllegalStateException naming the call that failed and its errno
     */
    void become(Account account);

    /** Tries to regain uid 0 and reports whether that worked: after a real drop it must not. */
    boolean canRegainRoot();

    /** The libc implementation. */
    static Posix system() {
        return JnaPosix.load();
    }
}
