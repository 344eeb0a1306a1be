package org.bastion.cli.tools;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.bastion.config.Settings;
import org.bastion.config.SettingsException;
import org.bastion.migrate.Migration;

/**
 * {@code bastion migrate --from HOST:PORT [--to HOST:PORT | --snapshot-file FILE] [--concurrency N]
 * [--max-item-size SIZE]}: copies a live memcached 1.6 into a running Bastion ({@code --to}, default
 * 127.0.0.1:11222), or into a snapshot file a Bastion loads when it starts.
 */
public final class MigrateCommand {
    static final String USAGE = "usage: bastion migrate --from <host:port> [--to <host:port> | --snapshot-file <file>]"
            + " [--concurrency <n>] [--max-item-size <size>]";

    private MigrateCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String from = null;
        String to = null;
        Path file = null;
        int concurrency = 8;
        int maxItemSize = Settings.DEFAULT_MAX_ITEM_SIZE;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    out.println(USAGE);
                    return 0;
                }
                if (i + 1 >= args.length) {
                    throw new SettingsException(a, "needs a value; " + USAGE);
                }
                String v = args[++i];
                switch (a) {
                    case "--from" -> from = v;
                    case "--to" -> to = v;
                    case "--snapshot-file" -> file = Path.of(v);
                    case "--concurrency" -> concurrency = number(a, v, 1, 256);
                    case "--max-item-size" -> maxItemSize = size(a, v);
                    default -> throw new SettingsException(a, "unknown option; " + USAGE);
                }
            }
            if (from == null) {
                throw new SettingsException("--from", "is required: the memcached to copy, as host:port");
            }
            if (to != null && file != null) {
                throw new SettingsException("--to", "and --snapshot-file: give one of them");
            }
            Migration migration = new Migration(address("--from", from), concurrency, maxItemSize,
                    line -> err.println(Tool.timestamp() + " bastion: " + line));
            Migration.Summary summary;
            if (file != null) {
                summary = migration.toSnapshot(file, Tool.version());
                out.println("bastion: migrate: " + summary + "; written to " + file);
            } else {
                InetSocketAddress target = address("--to", to == null ? "127.0.0.1:" + Settings.DEFAULT_PORT : to);
                try (Migration.Target t = Migration.server(target, concurrency)) {
                    summary = migration.run(t);
                }
                out.println("bastion: migrate: " + summary);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("bastion: migrate: " + e.getMessage());
            return Tool.EXIT_USAGE;
        } catch (java.io.IOException e) {
            err.println("bastion: migrate: failed: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("bastion: migrate: interrupted");
            return 1;
        }
    }

    private static int number(String flag, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new SettingsException(flag, "'" + v + "' is outside " + min + ".." + max);
    }

    /** A size as {@code -I} spells it: bytes, or with a k, m or g suffix. */
    private static int size(String flag, String v) {
        String s = v.toLowerCase(java.util.Locale.ROOT);
        long unit = s.endsWith("k") ? 1024 : s.endsWith("m") ? 1024 * 1024 : s.endsWith("g") ? 1024 * 1024 * 1024 : 1;
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        if (digits.matches("[0-9]{1,10}")) {
            long bytes = Long.parseLong(digits) * unit;
            if (bytes >= Settings.MIN_ITEM_SIZE && bytes <= Settings.MAX_ITEM_SIZE) {
                return (int) bytes;
            }
        }
        throw new SettingsException(flag, "'" + v + "' is not a size in 1k..1g");
    }

    static InetSocketAddress address(String flag, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || !hostPort.substring(colon + 1).matches("[0-9]{1,5}")) {
            throw new SettingsException(flag, "'" + hostPort + "' is not host:port, for example 127.0.0.1:11211");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
