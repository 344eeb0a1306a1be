package org.bastion.policy;

import org.bastion.config.Settings;
import org.bastion.store.Key;

/**
 * The one place that decides whether a session may run a command. The command executor asks here once per command;
 * no protocol code does. Server-wide switches ({@code -F}, {@code -A}, {@code -X}) are decided before the source's
 * rules, in memcached's order, so a switched-off feature gives memcached's reply whoever asks; then the source's
 * rules ({@code --read-only-from}); then the user's (its role, and the key prefix it may be confined to).
 */
public final class Policy {
    private final boolean flushDisabled;
    private final boolean shutdownEnabled;
    private final boolean dumpingDisabled;
    private final SecurityLog securityLog;

    public Policy(Settings settings, SecurityLog securityLog) {
        this.flushDisabled = settings.flushAllDisabled();
        this.shutdownEnabled = settings.shutdownEnabled();
        this.dumpingDisabled = settings.dumpingDisabled();
        this.securityLog = securityLog;
    }

    /**
     * Decides, and logs a refusal that a source's or a user's rules caused.
     *
     * @param key the key the command works on, or null for commands over no single key (flush_all, stats)
     */
    public Decision decide(Session session, Access access, Key key) {
        if (access == Access.AUTHENTICATE) {
            return Decision.ALLOW;
        }
        if (!session.authenticated()) {
            // Translators do not send commands before login; this holds if one ever did.
            return Decision.UNAUTHENTICATED;
        }
        User user = session.user();
        if (access == Access.READ && user == null) {
            return Decision.ALLOW;
        }
        if (access == Access.FLUSH && flushDisabled) {
            return Decision.FLUSH_DISABLED;
        }
        if (access == Access.SHUTDOWN && !shutdownEnabled) {
            return Decision.SHUTDOWN_DISABLED;
        }
        if ((access == Access.DUMP || access == Access.PEEK) && dumpingDisabled) {
            return Decision.DUMP_DISABLED;
        }
        if (session.readOnly() && access.changesData()) {
            securityLog.event(SecurityLog.Kind.READ_ONLY_VIOLATION, session.sourceAddress(),
                    (access == Access.PEEK ? "key listing" : "write") + " refused: source is in --read-only-from");
            return Decision.READ_ONLY;
        }
        return user == null ? Decision.ALLOW : decideForUser(session, user, access, key);
    }

    private Decision decideForUser(Session session, User user, Access access, Key key) {
        if (!user.role().grants(access)) {
            securityLog.event(SecurityLog.Kind.ROLE_VIOLATION, session.sourceAddress(), "user=" + user.name()
                    + " " + access.name().toLowerCase(java.util.Locale.ROOT) + " refused: role " + user.role().name());
            return Decision.ROLE;
        }
        if (user.confined()) {
            boolean allKeys = access == Access.FLUSH || access == Access.DUMP || access == Access.PEEK;
            if (allKeys || (key != null && !key.startsWith(user.keyPrefix()))) {
                securityLog.event(SecurityLog.Kind.PREFIX_VIOLATION, session.sourceAddress(), "user=" + user.name()
                        + (allKeys ? " command over all keys" : " key outside its prefix") + " refused");
                return Decision.OUTSIDE_PREFIX;
            }
        }
        return Decision.ALLOW;
    }

    /**
     * Whether a read (already allowed by {@link #decide}) may take meta's recache token ({@code W}). Winning is a
     * promise to write the item back, so a session that may not write never wins: the token stays for a writer.
     * Not a refusal, the read is served, so nothing is logged.
     */
    public boolean mayWinRecache(Session session) {
        User user = session.user();
        return !session.readOnly() && (user == null || user.role().grants(Access.WRITE));
    }
}
