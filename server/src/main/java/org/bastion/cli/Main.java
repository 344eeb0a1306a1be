package org.bastion.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.bastion.cli.tools.MigrateCommand;
import org.bastion.cli.tools.PasswdCommand;
import org.bastion.cli.tools.SnapshotCommand;
import org.bastion.cli.tools.Tool;
import org.bastion.config.Flags;
import org.bastion.config.Settings;
import org.bastion.config.SettingsException;
import org.bastion.transport.Server;

/** The command line: memcached's flags, hardened defaults, one-line errors naming the flag. */
public final class Main {
    /** Exit status for a refused configuration or a server that could not start. */
    static final int EXIT_CONFIG = Tool.EXIT_USAGE;

    private Main() {
    }

    public static void main(String[] args) {
        serverNettyDefaults();
        String heap = HeapLauncher.ensure(args, System.err);
        if (heap != null) {
            System.err.println("bastion: " + heap);
            System.exit(EXIT_CONFIG);
        }
        Thread.setDefaultUncaughtExceptionHandler(Main::uncaught);
        int status = run(args, System.out, System.err, Posix::system);
        System.exit(status);
    }

    /**
     * A thread died of an error nobody caught: an OutOfMemoryError (or any other VirtualMachineError) leaves the
     * server unable to answer, so the process halts for its supervisor to restart it rather than linger.
     */
    private static void uncaught(Thread thread, Throwable error) {
        if (error instanceof VirtualMachineError) {
            try {
                System.err.println("bastion: fatal: " + error + " in thread " + thread.getName() + "; exiting");
            } finally {
                Runtime.getRuntime().halt(70);
            }
        }
        System.err.println("bastion: thread " + thread.getName() + " died: " + error);
    }

    /** As {@link #run(String[], PrintStream, PrintStream, Supplier)} with this process's real identity. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, Posix::system);
    }

    /**
     * Runs the CLI and returns the exit status; with a server started in the foreground, only once it has stopped.
     *
     * @param posix where the process identity comes from (tests pass a fake); asked only when needed
     */
    static int run(String[] args, PrintStream out, PrintStream err, Supplier<Posix> posix) {
        if (args.length > 0 && args[0].equals("audit")) {
            return AuditCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err, posix);
        }
        if (args.length > 0 && args[0].equals("snapshot")) {
            return SnapshotCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("migrate")) {
            return MigrateCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("passwd")) {
            return PasswdCommand.run(Arrays.copyOfRange(args, 1, args.length), System.in, out, err);
        }
        // Opened first, while the child may still be root: it reports after dropping privileges.
        Daemon.Reporter reporter = Daemon.Reporter.open();
        Flags.Parsed parsed;
        try {
            parsed = Flags.parse(args);
        } catch (SettingsException e) {
            return fail(err, reporter, e.getMessage());
        }
        if (parsed.help()) {
            out.print(Flags.usage());
            return 0;
        }
        if (parsed.license()) {
            out.println("bastion " + version() + " is licensed under the Apache License, Version 2.0:"
                    + " https://www.apache.org/licenses/LICENSE-2.0 (the LICENSE file of its source)");
            return 0;
        }
        if (parsed.version()) {
            out.println("bastion " + version() + " (memcached-compatible 1.6)");
            return 0;
        }
        Settings settings = parsed.settings();
        List<String> warnings = new ArrayList<>(parsed.warnings());
        Posix.Account dropTo;
        Posix identity;
        try {
            identity = posix.get();
            dropTo = Privileges.plan(settings.user(), identity, warnings);
        } catch (RuntimeException e) {
            return fail(err, reporter, e.getMessage());
        }
        String heap = heapWarning(settings);
        if (heap != null) {
            warnings.add(heap); // only where main's HeapLauncher did not run: tests calling run() in-process
        }
        if (settings.daemon() && settings.logFile() == null && settings.verbosity() == 0) {
            warnings.add("-d/--daemon without logfile: the server's output, security log included, is discarded; add"
                    + " logfile <path> (or --logfile <path>) to keep it");
        }
        if (settings.daemon() && reporter == null) {
            return launchDaemon(args, settings, warnings, out, err);
        }
        return serve(settings, dropTo, identity, reporter, warnings, out, err);
    }

    /** Warnings are printed once the server has started: a failed start prints only its one error line. */
    private static void warn(List<String> warnings, PrintStream err) {
        for (String warning : warnings) {
            err.println("bastion: warning: " + warning);
        }
        err.flush();
    }

    private static int launchDaemon(String[] args, Settings settings, List<String> warnings, PrintStream out,
            PrintStream err) {
        Daemon.Outcome outcome = Daemon.launch(args, settings.verbosity() > 0);
        if (!outcome.ready()) {
            err.println("bastion: " + outcome.error());
            return EXIT_CONFIG;
        }
        warn(warnings, err);
        out.println("bastion: daemon pid " + outcome.pid() + " listening on " + listeningOn(settings, outcome.port()));
        return 0;
    }

    /** Binds, drops privileges, writes the pid file, then serves until stopped. */
    private static int serve(Settings settings, Posix.Account dropTo, Posix posix, Daemon.Reporter reporter,
            List<String> warnings, PrintStream out, PrintStream err) {
        LogFile log = null;
        if (settings.logFile() != null) {
            // Opened while still root, as Debian's start script opens memcached's; everything goes there from now.
            try {
                log = LogFile.open(settings.logFile());
            } catch (RuntimeException e) {
                return fail(err, reporter, e.getMessage());
            }
            PrintStream to = log.printStream();
            System.setOut(to);
            System.setErr(to);
            out = to;
            err = to;
        }
        if (settings.enableCoredumps()) {
            String failed = CoreLimit.raise();
            if (failed != null) {
                warnings.add(failed);
            }
        }
        Server server;
        try {
            server = Server.bindWithoutAccepting(settings);
        } catch (RuntimeException e) {
            return fail(err, reporter, e.getMessage());
        }
        PidFile pidFile = null;
        try {
            if (dropTo != null) {
                Privileges.drop(dropTo, posix);
            }
            if (settings.pidFile() != null) {
                pidFile = PidFile.write(settings.pidFile(), ProcessHandle.current().pid());
            }
        } catch (RuntimeException e) {
            server.close();
            return fail(err, reporter, e.getMessage());
        }
        PidFile written = pidFile;
        PrintStream log0 = out;
        java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable stop = () -> {
            server.close();
            if (written != null) {
                written.remove();
            }
            if (stopped.compareAndSet(false, true)) {
                log0.println(timestamp() + " bastion: stopped");
                log0.flush();
            }
        };
        // Any exit path (System.exit elsewhere, a signal we could not handle) still closes and cleans up.
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "bastion-exit"));
        PrintStream errs = err;
        Signals.onTerminate(signal -> {
            errs.println(timestamp() + " bastion: SIG" + signal + ": stopping"
                    + (settings.snapshotFile() != null ? ", writing the snapshot to " + settings.snapshotFile() : ""));
            errs.flush();
            server.close();
        }, settings.snapshotStopsOnUsr1());
        HangupReload.install(server, log, err);
        warn(warnings, err);
        server.acceptConnections();
        out.print(settings.describe().replace("tcpport " + settings.port() + "\n", "tcpport " + server.port() + "\n"));
        out.println(server.memoryBudget().describe());
        out.println(timestamp() + " bastion: " + version() + " listening on " + listeningOn(settings, server.port())
                + " (" + (Server.nativeTransport() ? "epoll" : "nio") + ")");
        if (server.tls() != null) {
            out.println(timestamp() + " bastion: TLS with " + server.tls().describeEngine() + ", certificate "
                    + server.tls().serverCertificate().getSubjectX500Principal().getName() + " valid until "
                    + server.tls().notAfter().toInstant() + "; plain listeners: " + plainListeners(settings));
        }
        if (server.metricsAddress() != null) {
            java.net.InetSocketAddress m = server.metricsAddress();
            out.println("bastion: metrics on http://" + (m.getAddress() instanceof java.net.Inet6Address
                    ? "[" + m.getAddress().getHostAddress() + "]" : m.getAddress().getHostAddress()) + ":" + m.getPort()
                    + "/metrics");
        }
        out.flush();
        if (reporter != null) {
            reporter.ready(ProcessHandle.current().pid(), server.port());
        }
        server.awaitTermination();
        stop.run();
        return 0;
    }

    /** The {@code notls:} listeners, or "none". */
    private static String plainListeners(Settings settings) {
        List<String> plain = new ArrayList<>();
        for (String address : settings.listen()) {
            if (!org.bastion.config.Listener.parse(address).tls()) {
                plain.add(address);
            }
        }
        return plain.isEmpty() ? "none" : String.join(",", plain);
    }

    private static int fail(PrintStream err, Daemon.Reporter reporter, String message) {
        err.println("bastion: " + message);
        if (reporter != null) {
            reporter.failed(message);
        }
        return EXIT_CONFIG;
    }

    /**
     * Netty defaults for a long-running cache server, unless the user set them with -D: no leak-detection sampling on
     * the hot path, and the classic pooled allocator, which measured cheaper per request than Netty 4.2's adaptive one
     * (README "Performance"). Must run before any Netty class is loaded.
     */
    static void serverNettyDefaults() {
        System.getProperties().putIfAbsent("io.netty.leakDetection.level", "disabled");
        System.getProperties().putIfAbsent("io.netty.allocator.type", "pooled");
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

    /** The time in the security log's format, for start and stop lines. */
    static String timestamp() {
        return Tool.timestamp();
    }

    /** Where the server listens, for the start-up lines: the Unix socket (-s), or the TCP addresses and port. */
    private static String listeningOn(Settings settings, int port) {
        return settings.unixSocket() != null
                ? "Unix socket " + settings.unixSocket() + " (mode " + Integer.toOctalString(settings.unixMask()) + ")"
                : String.join(",", settings.listen()) + " port " + port;
    }

    static String version() {
        return Tool.version();
    }
}
