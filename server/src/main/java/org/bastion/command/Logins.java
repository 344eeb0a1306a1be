package org.bastion.command;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.concurrent.Executor;
import org.bastion.auth.Authenticator;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.stats.Stats;

/**
 * Runs {@link Command.Login}s: asks the {@link Authenticator}, signs the session in, and counts and logs the result
 * (memcached's {@code auth_cmds} and {@code auth_errors}; a failure is a security event). A connection gets
 * {@link #MAX_FAILURES_PER_CONNECTION} failed logins, then it is closed.
 * <p>
 * With a {@code verifier}, password checks (text and SASL PLAIN; CRAM-MD5 needs a clear password and costs one
 * HMAC) run there and the outcome is {@link Outcome.Later}: a hashed password costs
 * PBKDF2's 100,000 rounds (about 50 ms here), and on the event loop a client sending logins back to back (correct ones
 * are not throttled) would stall every connection that loop serves. The translator holds the connection's later
 * requests until the result is in, so its replies stay in order.
 */
final class Logins {
    static final int MAX_FAILURES_PER_CONNECTION = 3;
    private static final Outcome.LoginResult OK = new Outcome.LoginResult(Outcome.LoginResult.Status.OK, null);
    private static final Outcome.LoginResult FAILED =
            new Outcome.LoginResult(Outcome.LoginResult.Status.FAILED, null);
    private static final Outcome.LoginResult FAILED_CLOSE =
            new Outcome.LoginResult(Outcome.LoginResult.Status.FAILED_CLOSE, null);
    private static final Outcome BUSY = new Outcome.LoginResult(Outcome.LoginResult.Status.BUSY, null);

    private final Authenticator authenticator;
    private final Stats stats;
    private final SecurityLog securityLog;
    /** Where checks run; null to run them on the caller's thread. */
    private final Executor verifier;

    Logins(Authenticator authenticator, Stats stats, SecurityLog securityLog, Executor verifier) {
        this.authenticator = authenticator;
        this.stats = stats;
        this.securityLog = securityLog;
        this.verifier = verifier;
    }

    Outcome login(Session session, Command.Login login) {
        if (login.kind() == Command.Login.Kind.CRAM_MD5_START && authenticator != null) {
            byte[] challenge = Authenticator.challenge();
            session.challenge(challenge);
            return new Outcome.LoginResult(Outcome.LoginResult.Status.CONTINUE, challenge);
        }
        stats.authCmds.increment();
        boolean slow = login.kind() == Command.Login.Kind.TEXT || login.kind() == Command.Login.Kind.PLAIN;
        if (authenticator == null || verifier == null || !slow) {
            return finish(session, login, check(session.sourceAddress(), login.kind(), login.name(), login.secret(),
                    session.challenge()));
        }
        // The caller wipes its copy of the secret once this returns; the check gets its own, wiped when done.
        byte[] secret = login.secret().clone();
        byte[] challenge = session.challenge();
        return OffLoop.later(verifier, () -> {
            try {
                if (session.isGone()) {
                    // Nobody to answer: a flood of logins from connections that reset at once must not keep the
                    // one checking thread busy hashing for them while live clients wait.
                    return BUSY;
                }
                return finish(session, login, check(session.sourceAddress(), login.kind(), login.name(), secret,
                        challenge));
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }, () -> {
            // The queue is full (or the server is stopping): the password was never checked, so this is no failure.
            Arrays.fill(secret, (byte) 0);
            return BUSY;
        });
    }

    /** Asks the authenticator; any thread. */
    private Authenticator.Result check(InetAddress source, Command.Login.Kind kind, byte[] name, byte[] secret,
            byte[] challenge) {
        if (authenticator == null) {
            return new Authenticator.Result(null, "", false);
        }
        return switch (kind) {
            case TEXT -> authenticator.password(source, name, secret);
            case PLAIN -> authenticator.plain(source, secret);
            case STEP -> challenge == null ? new Authenticator.Result(null, "", false)
                    : authenticator.cramMd5(source, challenge, secret);
            default -> new Authenticator.Result(null, "", false);
        };
    }

    /** Signs the session in, or counts and logs the failure; returns the login's outcome. */
    private Outcome finish(Session session, Command.Login login, Authenticator.Result result) {
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
