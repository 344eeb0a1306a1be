package org.bastion.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT (and SIGUSR1 with memcached's {@code -e}, as memcached's warm restart uses it) stop the server and let {@code main} return normally, so the process exits 0 (the JVM's
 * default for these signals runs the shutdown hooks but exits 143 or 130).
 */
final class Signals {
    private Signals() {
    }

    /** Runs {@code stop} with the signal's name ("TERM", "INT") on its own thread when SIGTERM or SIGINT arrives. */
    static void onTerminate(java.util.function.Consumer<String> stop) {
        onTerminate(stop, false);
    }

    /** As {@link #onTerminate(java.util.function.Consumer)}; {@code usr1} also stops on SIGUSR1. */
    static void onTerminate(java.util.function.Consumer<String> stop, boolean usr1) {
        for (String name : usr1 ? new String[] {"TERM", "INT", "USR1"} : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> new Thread(() -> stop.accept(name),
                        "bastion-sig" + name.toLowerCase()).start());
            } catch (IllegalArgumentException e) {
                // Ignored at start (e.g. a background job's SIGINT) or reserved by the JVM (-Xrs): the shutdown hook
                // still cleans up on the JVM's own handling.
            }
        }
    }
}
