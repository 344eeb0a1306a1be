package org.bastion.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;
import org.bastion.transport.Server;

/** SIGHUP re-reads {@code --allow-file}, as daemons re-read their configuration; open connections are kept. */
final class HangupReload {
    private HangupReload() {
    }

    /**
     * Installs the handler when an allow file is configured; otherwise SIGHUP keeps the JVM's default meaning.
     *
     * @return whether SIGHUP now reloads the allow file
     */
    static boolean install(Server server, java.io.PrintStream err) {
        if (server.settings().allowFile() == null) {
            return false;
        }
        try {
            // sun.misc.Signal (module jdk.unsupported) is the JDK's only way to handle a signal; it is supported API.
            SignalHandler previous = Signal.handle(new Signal("HUP"), signal -> {
                boolean ok = server.reloadAllowFile();
                err.println("bastion: SIGHUP: " + (ok ? "reloaded " : "kept the previous rules; could not load ")
                        + server.settings().allowFile());
                err.flush();
            });
            if (previous == SignalHandler.SIG_IGN) {
                // The JVM leaves a signal that was ignored at start (nohup) ignored, and our handler is not called.
                err.println("bastion: warning: SIGHUP is ignored in this process (started under nohup?); --allow-file"
                        + " is read only at start: start without nohup to reload it with SIGHUP");
                return false;
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            err.println("bastion: warning: SIGHUP cannot be handled here (" + e.getMessage()
                    + "); --allow-file is read only at start");
            return false;
        }
    }
}
