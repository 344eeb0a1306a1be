package org.bastion.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bastion.config.Audit;
import org.bastion.config.Finding;
import org.bastion.config.Flags;
import org.bastion.config.Settings;
import org.bastion.config.SettingsException;

/**
 * {@code audit [flags | @conf]} judges a configuration without starting it; {@code audit --probe HOST:PORT} judges
 * what a running memcached-protocol server tells an unauthenticated client. Exit 0: no problems; 1: findings; 64: the
 * configuration is refused outright (the server would not start) or the arguments are unusable; 69: the probe could
 * not connect.
 */
final class AuditCommand {
    static final int EXIT_FINDINGS = 1;
    static final int EXIT_UNAVAILABLE = 69;

    private AuditCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err, Supplier<Posix> posix) {
        String probe = null;
        List<String> flags = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--probe")) {
                if (i + 1 >= args.length) {
                    err.println("bastion audit: --probe: needs HOST:PORT, for example 127.0.0.1:11211");
                    return Main.EXIT_CONFIG;
                }
                probe = args[++i];
            } else if (args[i].startsWith("--probe=")) {
                probe = args[i].substring("--probe=".length());
            } else {
                flags.add(args[i]);
            }
        }
        if (probe != null) {
            if (!flags.isEmpty()) {
                err.println("bastion audit: --probe: takes no other flags (got " + String.join(" ", flags) + ")");
                return Main.EXIT_CONFIG;
            }
            return probe(probe, out, err);
        }
        return configuration(flags.toArray(new String[0]), out, err, posix);
    }

    private static int configuration(String[] args, PrintStream out, PrintStream err, Supplier<Posix> posix) {
        Settings settings;
        try {
            Flags.Parsed parsed = Flags.parse(args);
            if (parsed.help() || parsed.version()) {
                err.println("bastion audit: usage: audit [flags | @conf] or audit --probe HOST:PORT");
                return Main.EXIT_CONFIG;
            }
            settings = parsed.settings();
        } catch (SettingsException e) {
            err.println("bastion audit: refused: " + e.getMessage());
            return Main.EXIT_CONFIG;
        }
        boolean root;
        try {
            root = posix.get().geteuid() == 0;
        } catch (RuntimeException e) {
            err.println("bastion audit: " + e.getMessage());
            return Main.EXIT_CONFIG;
        }
        out.println("bastion audit: configuration " + (args.length == 0 ? "(defaults)" : String.join(" ", args))
                + (root ? " (as root)" : ""));
        List<Finding> findings = new ArrayList<>(Audit.configuration(settings, root));
        findings.addAll(Audit.host(settings, Path.of("/etc/passwd")));
        return report(findings, out);
    }

    private static int probe(String target, PrintStream out, PrintStream err) {
        InetSocketAddress address;
        try {
            address = Probe.parseTarget(target);
        } catch (SettingsException e) {
            err.println("bastion audit: " + e.getMessage());
            return Main.EXIT_CONFIG;
        }
        Probe.Result result;
        try {
            result = Probe.run(address);
        } catch (IOException e) {
            err.println("bastion audit: --probe: cannot connect to " + target + ": " + e.getMessage());
            return EXIT_UNAVAILABLE;
        }
        out.println("bastion audit: probe of " + target + (result.version() != null
                ? " (answers as memcached " + result.version() + ")" : "")
                + "; sent only version, stats, stats settings");
        if (result.closedEarly() != null) {
            out.println("note: " + result.closedEarly());
        }
        return report(Audit.exposure(result.version(), result.stats(), result.settings()), out);
    }

    private static int report(List<Finding> findings, PrintStream out) {
        Map<Finding.Severity, Integer> counts = new EnumMap<>(Finding.Severity.class);
        List<Finding> sorted = new ArrayList<>(findings);
        sorted.sort(Comparator.comparing(Finding::severity)); // most serious first; stable within a severity
        for (Finding f : sorted) {
            out.println(f.render());
            counts.merge(f.severity(), 1, Integer::sum);
        }
        int problems = 0;
        List<String> parts = new ArrayList<>();
        for (Map.Entry<Finding.Severity, Integer> e : counts.entrySet()) {
            if (e.getKey().isProblem()) {
                problems += e.getValue();
            }
            parts.add(e.getValue() + " " + e.getKey().label());
        }
        if (!Audit.hasProblems(findings)) {
            out.println("bastion audit: no findings" + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")"));
            return 0;
        }
        out.println("bastion audit: " + problems + (problems == 1 ? " finding" : " findings") + " ("
                + String.join(", ", parts) + ")");
        return EXIT_FINDINGS;
    }
}
