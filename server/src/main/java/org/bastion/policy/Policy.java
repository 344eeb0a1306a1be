package org.bastion.policy;

import org.bastion.config.Settings;

/**
 * The one place that decides whether a session may run a command. The command executor asks here once per command;
 * no protocol code does. Server-wide switches ({@code -F}, {@code -A}, {@code -X}) are decided before the source's
 * rules, in memcached's order, so a switched-off feature gives memcached's reply whoever asks.
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

    /** Decides, and logs a refusal that a source's rules caused. */
    public Decision decide(Session session, Access access) {
        if (access == Access.READ) {
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
        return Decision.ALLOW;
    }

    /**
     * Whether a read (already allowed by {@link #decide}) may take meta's recache token ({@code W}). Winning is a
     * promise to write the item back, so a source that may not write never wins: the token stays for a writer.
     * Not a refusal, the read is served, so nothing is logged.
     */
    public boolean mayWinRecache(Session session) {
        return !session.readOnly();
    }
}
