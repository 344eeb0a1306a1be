package org.bastion.cli;

import java.io.PrintStream;
import org.bastion.Bastion;
import org.bastion.config.Flags;
import org.bastion.config.Settings;
import org.bastion.config.SettingsException;
import org.bastion.server.Server;

/** The command line: memcached's flags, hardened defaults, one-line errors naming the flag. */
public final class Main {
    /** Exit status for a refused configuration. */
    static final int EXIT_CONFIG = 64;

    private Main() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status >= 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the CLI. Returns the exit status, or -1 when a server was started and {@code main} should wait for it.
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Flags.Parsed parsed;
        try {
            parsed = Flags.parse(args);
        } catch (SettingsException e) {
            err.println("bastion: " + e.getMessage());
            return EXIT_CONFIG;
        }
        if (parsed.help()) {
            out.print(Flags.usage());
            return 0;
        }
        if (parsed.version()) {
            out.println("bastion " + version() + " (memcached-compatible 1.6)");
            return 0;
        }
        Settings settings = parsed.settings();
        for (String warning : parsed.warnings()) {
            err.println("bastion: warning: " + warning);
        }
        String heap = heapWarning(settings);
        if (heap != null) {
            err.println("bastion: warning: " + heap);
        }
        Bastion server;
        try {
            server = Bastion.builder().settings(settings).start();
        } catch (RuntimeException e) {
            err.println("bastion: " + e.getMessage());
            return EXIT_CONFIG;
        }
        out.print(settings.describe().replace("port " + settings.port(), "port " + server.port()));
        out.println("bastion: " + version() + " listening on " + String.join(",", settings.listen()) + " port "
                + server.port() + " (" + (Server.nativeTransport() ? "epoll" : "nio") + ")");
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "bastion-signal"));
        HangupReload.install(server, err);
        server.awaitTermination();
        return 0;
    }

    /** A warning when {@code -m} leaves the JVM heap too little room, or null. */
    static String heapWarning(Settings settings) {
        long max = Runtime.getRuntime().maxMemory();
        long needed = settings.memoryLimitBytes() + settings.memoryLimitBytes() / 2 + 64L * 1024 * 1024;
        if (max != Long.MAX_VALUE && needed > max) {
            return "-m " + settings.memoryLimitBytes() / (1024 * 1024) + " needs about " + needed / (1024 * 1024)
                    + " MB of heap but the JVM may use " + max / (1024 * 1024) + " MB: start java with -Xmx"
                    + ((needed + (1 << 20) - 1) >> 20) + "m or lower -m";
        }
        return null;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
