package org.bastion.command;

import org.bastion.auth.Authenticator;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.stats.Stats;

/**
 * Runs {@link Command.Login}s: asks the {@link Authenticator}, signs the session in, and counts and logs the result
 * (memcached's {@code auth_cmds} and {@code auth_errors}; a failure is a security event). A connection gets
 * {@link #MAX_FAILURES_PER_CONNECTION} failed logins, then it is closed.
 */
final class Logins {
    static final int MAX_FAILURES_PER_CONNECTION = 3;
    private static final Outcome.LoginResult OK = new Outcome.LoginResult(Outcome.LoginResult.Status.OK, null);
    private static final Outcome.LoginResult FAILED =
            new Outcome.LoginResult(Outcome.LoginResult.Status.FAILED, null);
    private static final Outcome.LoginResult FAILED_CLOSE =
            new Outcome.LoginResult(Outcome.LoginResult.Status.FAILED_CLOSE, null);

    private final Authenticator authenticator;
    private final Stats stats;
    private final SecurityLog securityLog;

    Logins(Authenticator authenticator, Stats stats, SecurityLog securityLog) {
        this.authenticator = authenticator;
        this.stats = stats;
        this.securityLog = securityLog;
    }

    Outcome login(Session session, Command.Login login) {
        if (login.kind() == Command.Login.Kind.CRAM_MD5_START && authenticator != null) {
            byte[] challenge = Authenticator.challenge();
            session.challenge(challenge);
            return new Outcome.LoginResult(Outcome.LoginResult.Status.CONTINUE, challenge);
        }
        stats.authCmds.increment();
        Authenticator.Result result;
        if (authenticator == null) {
            result = new Authenticator.Result(null, "", false);
        } else {
            result = switch (login.kind()) {
                case TEXT -> authenticator.password(session.sourceAddress(), login.name(), login.secret());
                case PLAIN -> authenticator.plain(session.sourceAddress(), login.secret());
                case STEP -> session.challenge() == null ? new Authenticator.Result(null, "", false)
                        : authenticator.cramMd5(session.sourceAddress(), session.challenge(), login.secret());
                default -> new Authenticator.Result(null, "", false);
            };
        }
        if (result.ok()) {
            session.signIn(result.user());
            return OK;
        }
        stats.authErrors.increment();
        String why = login.kind() == Command.Login.Kind.STEP && session.challenge() == null
                ? "SASL step without a started exchange" : login.kind() == Command.Login.Kind.UNSUPPORTED
                ? "unsupported mechanism" : result.lockedOut() ? "source locked out after repeated failures"
                : "wrong user or password";
        securityLog.event(result.lockedOut() ? SecurityLog.Kind.AUTH_LOCKOUT : SecurityLog.Kind.AUTH_FAILURE,
                session.sourceAddress(), "login refused: user=" + result.name() + " (" + why + ")");
        return session.loginFailed() >= MAX_FAILURES_PER_CONNECTION ? FAILED_CLOSE : FAILED;
    }
}
