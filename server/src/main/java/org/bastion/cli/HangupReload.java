package org.bastion.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;
import sun.misc.SignalHandler;
import org.bastion.transport.Server;

/**
 * SIGHUP re-reads {@code --allow-file}, {@code --users} (logged-in connections keep their user) and the TLS
 * certificates (open connections are kept) and reopens {@code logfile}; SIGUSR1 reopens {@code logfile}, as
 * logrotate's postrotate scripts expect of daemons, unless memcached's {@code -e} gave it memcached's meaning (stop,
 * writing the snapshot).
 */
final class HangupReload {
    private HangupReload() {
    }

    /**
     * Installs the handlers for what is configured; with neither an allow file nor a log file, SIGHUP keeps the JVM's
     * default meaning.
     *
     * @param log the log file, or null
     * @return the signals now handled
     */
    static List<String> install(Server server, LogFile log, PrintStream err) {
        List<String> handled = new ArrayList<>();
        boolean tls = server.tls() != null;
        if (server.settings().allowFile() == null && server.settings().usersFile() == null && log == null && !tls) {
            return handled;
        }
        if (handle("HUP", () -> {
            if (log != null) {
                reopen(log, "SIGHUP", err);
            }
            if (server.settings().allowFile() != null) {
                boolean ok = server.reloadAllowFile();
                err.println("bastion: SIGHUP: " + (ok ? "reloaded " : "kept the previous rules; could not load ")
                        + server.settings().allowFile());
                err.flush();
            }
            if (server.settings().usersFile() != null) {
                boolean ok = server.reloadUsers();
                err.println("bastion: SIGHUP: " + (ok ? "reloaded " : "kept the previous users; could not load ")
                        + server.settings().usersFile());
                err.flush();
            }
            if (tls) {
                String failure = server.refreshCerts();
                err.println(Main.timestamp() + " bastion: SIGHUP: " + (failure == null ? "reloaded the TLS certificates"
                        : "kept the previous TLS certificates; " + failure));
                err.flush();
            }
        }, err)) {
            handled.add("HUP");
        }
        // With memcached's -e, SIGUSR1 means what it means to memcached: stop after writing the snapshot (Signals).
        if (log != null && !server.settings().snapshotStopsOnUsr1() && handle("USR1", () -> reopen(log, "SIGUSR1", err), err)) {
            handled.add("USR1");
        }
        return handled;
    }

    private static void reopen(LogFile log, String signal, PrintStream err) {
        String failure = log.reopen();
        err.println(Main.timestamp() + " bastion: " + signal + ": " + (failure == null ? "reopened " + log.path()
                : "kept writing to the old file; could not reopen " + log.path() + ": " + failure));
        err.flush();
    }

    private static boolean handle(String name, Runnable action, PrintStream err) {
        try {
            // sun.misc.Signal (module jdk.unsupported) is the JDK's only way to handle a signal; it is supported API.
            SignalHandler previous = Signal.handle(new Signal(name), signal -> action.run());
            if (previous == SignalHandler.SIG_IGN) {
                // The JVM leaves a signal that was ignored at start (nohup) ignored, and our handler is not called.
                err.println("bastion: warning: SIG" + name + " is ignored in this process (started under nohup?);"
                        + " start without nohup to reload --allow-file or reopen logfile with it");
                return false;
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            err.println("bastion: warning: SIG" + name + " cannot be handled here (" + e.getMessage() + ")");
            return false;
        }
    }
}
