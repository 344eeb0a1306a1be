package org.bastion.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The one validated, immutable settings model. The CLI, the embedded builder and the tests all end here, so a
 * rule is checked once and means the same however the server was started. Defaults are the hardened ones.
 */
public final class Settings {
    public static final int DEFAULT_PORT = 11222;
    /** memcached's {@code -a} default: only the socket file's owner may connect. */
    public static final int DEFAULT_UNIX_MASK = 0700;
    /** {@code -R}'s default, memcached's: a pipelined batch's worth, short enough that other clients wait little. */
    public static final int DEFAULT_REQS_PER_EVENT = 20;
    public static final String DEFAULT_LISTEN = "127.0.0.1";
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final long DEFAULT_MEMORY_MB = 64;
    public static final int DEFAULT_MAX_ITEM_SIZE = 1024 * 1024;
    public static final int DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
    public static final int MIN_ITEM_SIZE = 1024;
    public static final int MAX_ITEM_SIZE = 1024 * 1024 * 1024;

    private final int port;
    private final List<String> listen;
    private final long memoryLimitBytes;
    private final int maxConnections;
    private final int threads;
    private final int maxItemSize;
    private final boolean evictionsDisabled;
    private final String user;
    private final int verbosity;
    private final Protocol protocol;
    private final int idleTimeoutSeconds;
    private final int requestTimeoutSeconds;
    private final List<Cidr> allow;
    private final Path allowFile;
    private final Path usersFile;
    private final int maxConnectionsPerSource;
    private final List<Cidr> readOnlyFrom;
    private final boolean flushAllDisabled;
    private final boolean shutdownEnabled;
    private final boolean dumpingDisabled;
    private final char prefixDelimiter;
    private final int listenBacklog;
    private final int reqsPerEvent;
    private final Path unixSocket;
    private final int unixMask;
    private final boolean watchDisabled;
    private final boolean casDisabled;
    private final Path pidFile;
    private final Path logFile;
    private final boolean enableCoredumps;
    private final boolean daemon;
    private final String metricsListen;
    private final TlsSettings tls;
    private final Path snapshotFile;
    private final int snapshotIntervalSeconds;
    private final boolean snapshotCorruptStartsEmpty;
    private final boolean snapshotStopsOnUsr1;
    private final List<String> warnings;

    private Settings(Builder b, List<String> warnings) {
        this.port = b.port;
        this.listen = List.copyOf(b.listen);
        this.memoryLimitBytes = b.memoryLimitBytes;
        this.maxConnections = b.maxConnections;
        this.threads = b.threads;
        this.maxItemSize = b.maxItemSize;
        this.evictionsDisabled = b.evictionsDisabled;
        this.user = b.user;
        this.verbosity = b.verbosity;
        this.protocol = b.protocol;
        this.idleTimeoutSeconds = b.idleTimeoutSeconds;
        this.requestTimeoutSeconds = b.requestTimeoutSeconds;
        this.allow = List.copyOf(b.allow);
        this.allowFile = b.allowFile;
        this.usersFile = b.usersFile;
        this.maxConnectionsPerSource = b.maxConnectionsPerSource;
        this.readOnlyFrom = List.copyOf(b.readOnlyFrom);
        this.flushAllDisabled = b.flushAllDisabled;
        this.shutdownEnabled = b.shutdownEnabled;
        this.dumpingDisabled = b.dumpingDisabled;
        this.prefixDelimiter = b.prefixDelimiter;
        this.listenBacklog = b.listenBacklog;
        this.reqsPerEvent = b.reqsPerEvent;
        this.unixSocket = b.unixSocket;
        this.unixMask = b.unixMask;
        this.watchDisabled = b.watchDisabled;
        this.casDisabled = b.casDisabled;
        this.pidFile = b.pidFile;
        this.logFile = b.logFile;
        this.enableCoredumps = b.enableCoredumps;
        this.daemon = b.daemon;
        this.metricsListen = b.metricsListen;
        this.tls = b.tls;
        this.snapshotFile = b.snapshotFile;
        this.snapshotIntervalSeconds = b.snapshotIntervalSeconds;
        this.snapshotCorruptStartsEmpty = b.snapshotCorruptStartsEmpty;
        this.snapshotStopsOnUsr1 = b.snapshotStopsOnUsr1;
        this.warnings = List.copyOf(warnings);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The hardened defaults, validated. */
    public static Settings defaults() {
        return builder().build();
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.port = port;
        b.listen = new ArrayList<>(listen);
        b.memoryLimitBytes = memoryLimitBytes;
        b.maxConnections = maxConnections;
        b.threads = threads;
        b.maxItemSize = maxItemSize;
        b.evictionsDisabled = evictionsDisabled;
        b.user = user;
        b.verbosity = verbosity;
        b.protocol = protocol;
        b.idleTimeoutSeconds = idleTimeoutSeconds;
        b.requestTimeoutSeconds = requestTimeoutSeconds;
        b.allow = new ArrayList<>(allow);
        b.allowFile = allowFile;
        b.usersFile = usersFile;
        b.maxConnectionsPerSource = maxConnectionsPerSource;
        b.readOnlyFrom = new ArrayList<>(readOnlyFrom);
        b.flushAllDisabled = flushAllDisabled;
        b.shutdownEnabled = shutdownEnabled;
        b.dumpingDisabled = dumpingDisabled;
        b.prefixDelimiter = prefixDelimiter;
        b.listenBacklog = listenBacklog;
        b.reqsPerEvent = reqsPerEvent;
        b.unixSocket = unixSocket;
        b.unixMask = unixMask;
        b.watchDisabled = watchDisabled;
        b.casDisabled = casDisabled;
        b.pidFile = pidFile;
        b.logFile = logFile;
        b.enableCoredumps = enableCoredumps;
        b.daemon = daemon;
        b.metricsListen = metricsListen;
        b.tls = tls;
        b.snapshotFile = snapshotFile;
        b.snapshotIntervalSeconds = snapshotIntervalSeconds;
        b.snapshotCorruptStartsEmpty = snapshotCorruptStartsEmpty;
        b.snapshotStopsOnUsr1 = snapshotStopsOnUsr1;
        return b;
    }

    /** TCP port; 0 asks the OS for an ephemeral one (embedded use). */
    public int port() { return port; }
    /** Addresses to listen on. */
    public List<String> listen() { return listen; }
    /** {@code -m}: bytes the store may hold, counting keys, values and per-item overhead. */
    public long memoryLimitBytes() { return memoryLimitBytes; }
    public int maxConnections() { return maxConnections; }
    public int threads() { return threads; }
    /** {@code -I}: the largest value accepted, in bytes. */
    public int maxItemSize() { return maxItemSize; }
    /** {@code -M}: refuse writes with an error instead of evicting. */
    public boolean evictionsDisabled() { return evictionsDisabled; }
    /** {@code -u}: the user to run as, or null. */
    public String user() { return user; }
    public int verbosity() { return verbosity; }
    public Protocol protocol() { return protocol; }
    /** {@code -o idle_timeout}: seconds a connection may stay idle; 0 means never closed for idleness. */
    public int idleTimeoutSeconds() { return idleTimeoutSeconds; }
    /** Seconds a connection may sit with a partial command or value; 0 disables the check. */
    public int requestTimeoutSeconds() { return requestTimeoutSeconds; }
    /** {@code --allow}: the networks that may connect. Empty means loopback sources only. */
    public List<Cidr> allow() { return allow; }
    /** {@code --allow-file}, re-read on SIGHUP, or null. */
    public Path allowFile() { return allowFile; }
    /**
     * {@code --users} (or memcached's {@code -Y}): the users file, re-read on SIGHUP, or null. When set, every
     * connection must authenticate before any other command, whatever its protocol.
     */
    public Path usersFile() { return usersFile; }
    /** {@code --max-conns-per-ip}: connections one source may hold; 0 means no limit beyond {@code -c}. */
    public int maxConnectionsPerSource() { return maxConnectionsPerSource; }
    /** {@code --read-only-from}: networks that may only read. */
    public List<Cidr> readOnlyFrom() { return readOnlyFrom; }
    /** {@code -F}. */
    public boolean flushAllDisabled() { return flushAllDisabled; }
    /** {@code -A}. */
    public boolean shutdownEnabled() { return shutdownEnabled; }
    /** {@code -X}. */
    public boolean dumpingDisabled() { return dumpingDisabled; }
    /** {@code -D}: the character that ends a key's prefix for {@code stats detail} (memcached's {@code stat_key_prefix}). */
    public char prefixDelimiter() { return prefixDelimiter; }

    /** {@code -b}: the TCP listen backlog. */
    public int listenBacklog() { return listenBacklog; }

    /**
     * {@code -R}: requests one connection may have answered in a turn of its event loop before it yields to the
     * others on that loop (memcached's {@code reqs_per_event}).
     */
    public int reqsPerEvent() { return reqsPerEvent; }

    /** {@code -s}: the Unix domain socket to listen on instead of TCP, or null. */
    public Path unixSocket() { return unixSocket; }

    /** {@code -a}: the permission bits the Unix socket file is created with (memcached's {@code umask} stat). */
    public int unixMask() { return unixMask; }

    /** {@code -W}: the {@code watch} command is refused. */
    public boolean watchDisabled() { return watchDisabled; }

    /** {@code -C}: items carry no CAS unique. */
    public boolean casDisabled() { return casDisabled; }
    public Path pidFile() { return pidFile; }
    /** Where the CLI writes its output and log ({@code logfile <path>} as in Debian's memcached.conf), or null. */
    public Path logFile() { return logFile; }
    /** {@code -r}: raise the core file size limit to its hard maximum before serving. */
    public boolean enableCoredumps() { return enableCoredumps; }
    public boolean daemon() { return daemon; }
    /** {@code --metrics-listen host:port} for the Prometheus endpoint, or null when off. */
    public String metricsListen() { return metricsListen; }
    /** {@code -Z} and the {@code ssl_*} options; {@link TlsSettings#off()} by default. */
    public TlsSettings tls() { return tls; }
    /** {@code --snapshot-file} (or memcached's {@code -e}): loaded at start, written on a graceful stop; or null. */
    public Path snapshotFile() { return snapshotFile; }
    /** {@code --snapshot-interval}: seconds between background snapshots; 0 means only on stop and on request. */
    public int snapshotIntervalSeconds() { return snapshotIntervalSeconds; }
    /** {@code --snapshot-on-error empty}: a corrupt snapshot is set aside and the server starts empty (else: refuses). */
    public boolean snapshotCorruptStartsEmpty() { return snapshotCorruptStartsEmpty; }
    /** memcached's {@code -e}: SIGUSR1 stops the server after writing the snapshot, as memcached's warm restart does. */
    public boolean snapshotStopsOnUsr1() { return snapshotStopsOnUsr1; }
    /** Accepted but risky choices, one line each, printed at start-up. */
    public List<String> warnings() { return warnings; }

    /** The effective settings, one {@code name value} pair per line, as printed at start-up. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        // The names `stats settings` uses (memcached's where it has one), so the banner, the stats and the docs agree.
        if (unixSocket != null) {
            line(s, "domain_socket", unixSocket);
            line(s, "umask", Integer.toOctalString(unixMask));
        } else {
            line(s, "inter", String.join(",", listen));
            line(s, "tcpport", port);
        }
        line(s, "udpport", "0 (no UDP)");
        line(s, "maxbytes", memoryLimitBytes);
        line(s, "maxconns", maxConnections);
        line(s, "max_conns_per_ip", maxConnectionsPerSource == 0 ? "0 (only maxconns)" : maxConnectionsPerSource);
        line(s, "num_threads", threads);
        line(s, "item_size_max", maxItemSize);
        line(s, "evictions", evictionsDisabled ? "off" : "on");
        line(s, "binding_protocol", switch (protocol) {
            case AUTO -> "auto-negotiate";
            case ASCII -> "ascii";
            case BINARY -> "binary";
        });
        line(s, "allow", !allow.isEmpty() ? join(allow) : allowFile == null ? "loopback" : "(only allow_file)");
        if (allowFile != null) {
            line(s, "allow_file", allowFile);
        }
        line(s, "read_only_from", readOnlyFrom.isEmpty() ? "NULL" : join(readOnlyFrom));
        line(s, "auth_enabled_sasl", usersFile == null ? "no" : "yes");
        line(s, "auth_enabled_ascii", usersFile == null ? "no" : usersFile);
        line(s, "idle_timeout", idleTimeoutSeconds);
        line(s, "request_timeout", requestTimeoutSeconds);
        line(s, "flush_enabled", flushAllDisabled ? "no" : "yes");
        line(s, "shutdown_command", shutdownEnabled ? "yes" : "no");
        line(s, "dump_enabled", dumpingDisabled ? "no" : "yes");
        line(s, "stat_key_prefix", prefixDelimiter);
        line(s, "tcp_backlog", listenBacklog);
        line(s, "reqs_per_event", reqsPerEvent);
        line(s, "watch_enabled", watchDisabled ? "no" : "yes");
        line(s, "cas_enabled", casDisabled ? "no" : "yes");
        if (user != null) {
            line(s, "user", user);
        }
        if (logFile != null) {
            line(s, "logfile", logFile);
        }
        if (metricsListen != null) {
            line(s, "metrics_listen", metricsListen);
        }
        line(s, "ssl_enabled", tls.enabled() ? "yes" : "no");
        if (snapshotFile != null) {
            line(s, "snapshot_file", snapshotFile);
            line(s, "snapshot_interval", snapshotIntervalSeconds);
            line(s, "snapshot_on_error", snapshotCorruptStartsEmpty ? "empty" : "refuse");
        }
        return s.toString();
    }

    private static void line(StringBuilder s, String name, Object value) {
        s.append(name).append(' ').append(value).append('\n');
    }

    private static String join(List<Cidr> rules) {
        StringBuilder s = new StringBuilder();
        for (Cidr c : rules) {
            if (s.length() > 0) {
                s.append(',');
            }
            s.append(c);
        }
        return s.toString();
    }

    /** Collects settings; every setter fails fast naming its flag, and {@link #build()} checks combinations. */
    public static final class Builder {
        private int port = DEFAULT_PORT;
        private List<String> listen = new ArrayList<>(List.of(DEFAULT_LISTEN));
        private long memoryLimitBytes = DEFAULT_MEMORY_MB * 1024 * 1024;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int maxItemSize = DEFAULT_MAX_ITEM_SIZE;
        private boolean evictionsDisabled;
        private String user;
        private int verbosity;
        private Protocol protocol = Protocol.AUTO;
        private int idleTimeoutSeconds;
        private int requestTimeoutSeconds = DEFAULT_REQUEST_TIMEOUT_SECONDS;
        private List<Cidr> allow = new ArrayList<>();
        private Path allowFile;
        private Path usersFile;
        private int maxConnectionsPerSource;
        private List<Cidr> readOnlyFrom = new ArrayList<>();
        private boolean flushAllDisabled;
        private boolean shutdownEnabled;
        private boolean dumpingDisabled;
        private char prefixDelimiter = ':';
        private int listenBacklog = 1024;
        private int reqsPerEvent = DEFAULT_REQS_PER_EVENT;
        private Path unixSocket;
        private int unixMask = DEFAULT_UNIX_MASK;
        private boolean watchDisabled;
        private boolean casDisabled;
        private Path pidFile;
        private Path logFile;
        private boolean enableCoredumps;
        private boolean daemon;
        private String metricsListen;
        private TlsSettings tls = TlsSettings.off();
        private int udpPort;
        private Path snapshotFile;
        private int snapshotIntervalSeconds;
        private boolean snapshotCorruptStartsEmpty;
        private boolean snapshotStopsOnUsr1;

        private Builder() {
        }

        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new SettingsException("-p/--port", port + " is not a TCP port (0-65535)");
            }
            this.port = port;
            return this;
        }

        /** Replaces the listen addresses; a comma-separated list is split. */
        public Builder listen(String addresses) {
            List<String> parsed = new ArrayList<>();
            for (String part : addresses.split(",")) {
                String a = part.trim();
                if (!a.isEmpty()) {
                    Listener.parse(a); // a bad port fails here, naming -l
                    parsed.add(a);
                }
            }
            if (parsed.isEmpty()) {
                throw new SettingsException("-l/--listen", "needs at least one address, for example 127.0.0.1");
            }
            this.listen = parsed;
            return this;
        }

        public Builder memoryLimitMegabytes(long megabytes) {
            if (megabytes < 0) {
                // As the CLI's size parser words a negative "-m".
                throw new SettingsException("-m/--memory-limit", "'" + megabytes + "' is out of range");
            }
            if (megabytes < 1 || megabytes > 1024L * 1024) {
                throw new SettingsException("-m/--memory-limit", megabytes + " MB is outside 1..1048576");
            }
            this.memoryLimitBytes = megabytes * 1024 * 1024;
            return this;
        }

        /** {@code -m} as the CLI spells it: megabytes, or a size with a k, m or g suffix; rounded up to 1 MB. */
        public Builder memoryLimit(String size) {
            long bytes = Sizes.parse("-m/--memory-limit", size, 1024 * 1024);
            return memoryLimitMegabytes(Math.max(1, bytes / (1024 * 1024)));
        }

        public Builder maxConnections(int connections) {
            if (connections < 1) {
                throw new SettingsException("-c/--conn-limit", connections + " must be at least 1");
            }
            this.maxConnections = connections;
            return this;
        }

        public Builder threads(int threads) {
            if (threads < 1 || threads > 256) {
                throw new SettingsException("-t/--threads", threads + " is outside 1..256");
            }
            this.threads = threads;
            return this;
        }

        public Builder maxItemSize(int bytes) {
            if (bytes < MIN_ITEM_SIZE || bytes > MAX_ITEM_SIZE) {
                // Worded as the CLI words "-I <bytes>", so embedded and command-line users read the same message.
                throw new SettingsException("-I/--max-item-size", "'" + bytes + "' is outside 1k..1g");
            }
            this.maxItemSize = bytes;
            return this;
        }

        /** {@code -I} as the CLI spells it: bytes, or a size with a k, m or g suffix. */
        public Builder maxItemSize(String size) {
            long bytes = Sizes.parse("-I/--max-item-size", size, 1);
            if (bytes < MIN_ITEM_SIZE || bytes > MAX_ITEM_SIZE) {
                throw new SettingsException("-I/--max-item-size", "'" + size + "' is outside 1k..1g");
            }
            return maxItemSize((int) bytes);
        }

        public Builder evictionsDisabled(boolean disabled) {
            this.evictionsDisabled = disabled;
            return this;
        }

        public Builder user(String user) {
            if (user != null && user.isBlank()) {
                throw new SettingsException("-u/--user", "needs a user name");
            }
            this.user = user;
            return this;
        }

        public Builder verbosity(int verbosity) {
            this.verbosity = Math.max(0, verbosity);
            return this;
        }

        /** {@code -U}: only 0 (UDP off) is accepted; any other port is refused at {@link #build()}. */
        public Builder udpPort(int udpPort) {
            this.udpPort = udpPort;
            return this;
        }

        public Builder protocol(Protocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        public Builder protocol(String protocol) {
            return protocol(Protocol.parse(protocol));
        }

        public Builder idleTimeoutSeconds(int seconds) {
            if (seconds < 0) {
                throw new SettingsException("-o idle_timeout", seconds + " must be 0 (off) or a number of seconds");
            }
            this.idleTimeoutSeconds = seconds;
            return this;
        }

        public Builder requestTimeoutSeconds(int seconds) {
            if (seconds < 0) {
                throw new SettingsException("--request-timeout", seconds + " must be 0 (off) or a number of seconds");
            }
            this.requestTimeoutSeconds = seconds;
            return this;
        }

        /** Adds allow rules; a comma-separated list is split. */
        public Builder allow(String cidrs) {
            this.allow.addAll(parseCidrs("--allow", cidrs));
            return this;
        }

        public Builder allowFile(Path file) {
            this.allowFile = file;
            return this;
        }

        /** {@code --users FILE} ({@code -Y FILE}): authentication required on every connection; null for none. */
        public Builder usersFile(Path file) {
            this.usersFile = file;
            return this;
        }

        public Builder maxConnectionsPerSource(int connections) {
            if (connections < 0) {
                throw new SettingsException("--max-conns-per-ip", connections + " must be 0 (no limit) or more");
            }
            this.maxConnectionsPerSource = connections;
            return this;
        }

        public Builder readOnlyFrom(String cidrs) {
            this.readOnlyFrom.addAll(parseCidrs("--read-only-from", cidrs));
            return this;
        }

        public Builder flushAllDisabled(boolean disabled) {
            this.flushAllDisabled = disabled;
            return this;
        }

        public Builder shutdownEnabled(boolean enabled) {
            this.shutdownEnabled = enabled;
            return this;
        }

        /** {@code -D <char>}: the prefix delimiter of {@code stats detail}; memcached takes the first character. */
        public Builder prefixDelimiter(String delimiter) {
            if (delimiter == null || delimiter.isEmpty()) {
                throw new SettingsException("-D", "needs a delimiter character");
            }
            this.prefixDelimiter = delimiter.charAt(0);
            return this;
        }

        /** {@code -b}: the TCP listen backlog, 1..65535 (memcached's default is 1024). */
        public Builder listenBacklog(int backlog) {
            if (backlog < 1 || backlog > 65535) {
                throw new SettingsException("-b/--listen-backlog", backlog + " is outside 1..65535");
            }
            this.listenBacklog = backlog;
            return this;
        }

        /** {@code -R}: requests per connection per event-loop turn, at least 1 (memcached's default is 20). */
        public Builder reqsPerEvent(int reqs) {
            if (reqs < 1) {
                throw new SettingsException("-R/--max-reqs-per-event", reqs + " is not a positive number of requests");
            }
            this.reqsPerEvent = reqs;
            return this;
        }

        /** {@code -s}: listen on this Unix domain socket, and not on TCP (as memcached's {@code -s}). */
        public Builder unixSocket(String path) {
            if (path == null || path.isBlank()) {
                throw new SettingsException("-s/--unix-socket", "needs the path of the socket file");
            }
            this.unixSocket = Path.of(path);
            return this;
        }

        /** {@code -a}: the socket file's permission bits in octal, 0 to 777 (memcached's default 700). */
        public Builder unixMask(String octal) {
            try {
                int mask = Integer.parseInt(octal, 8);
                if (mask >= 0 && mask <= 0777) {
                    this.unixMask = mask;
                    return this;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new SettingsException("-a/--unix-mask",
                    "'" + octal + "' is not an octal mask from 0 to 777, such as 700");
        }

        /** {@code -C}: no CAS uniques, as memcached's {@code -C}. */
        public Builder casDisabled(boolean disabled) {
            this.casDisabled = disabled;
            return this;
        }

        /** {@code -W}: refuse the {@code watch} command. */
        public Builder watchDisabled(boolean disabled) {
            this.watchDisabled = disabled;
            return this;
        }

        public Builder prefixDelimiter(char delimiter) {
            this.prefixDelimiter = delimiter;
            return this;
        }

        public Builder dumpingDisabled(boolean disabled) {
            this.dumpingDisabled = disabled;
            return this;
        }

        public Builder pidFile(Path file) {
            this.pidFile = file;
            return this;
        }

        public Builder enableCoredumps(boolean enable) {
            this.enableCoredumps = enable;
            return this;
        }

        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        public Builder daemon(boolean daemon) {
            this.daemon = daemon;
            return this;
        }

        /** {@code --metrics-listen host:port} ({@code [v6]:port} for IPv6), or null for no metrics endpoint. */
        public Builder metricsListen(String hostPort) {
            if (hostPort != null) {
                int colon = hostPort.lastIndexOf(':');
                String host = colon > 0 ? hostPort.substring(0, colon) : "";
                String port = colon > 0 ? hostPort.substring(colon + 1) : "";
                boolean bareV6 = host.indexOf(':') >= 0 && !(host.startsWith("[") && host.endsWith("]"));
                if (host.isEmpty() || bareV6 || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
                    throw new SettingsException("--metrics-listen", "'" + hostPort + "' is not host:port, for example"
                            + " 127.0.0.1:9150 or [::1]:9150");
                }
            }
            this.metricsListen = hostPort;
            return this;
        }

        /** {@code -Z} and the {@code ssl_*} options, already validated by their builder. */
        public Builder tls(TlsSettings tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** {@code --snapshot-file}: where items are kept across restarts, or null for none. */
        public Builder snapshotFile(Path file) {
            if (file != null && (file.getFileName() == null || file.toString().isBlank())) {
                throw new SettingsException("--snapshot-file", "'" + file + "' is not a file path");
            }
            this.snapshotFile = file;
            return this;
        }

        /** {@code --snapshot-interval}: seconds between background snapshots, 0 (off) or 1..604800. */
        public Builder snapshotIntervalSeconds(int seconds) {
            if (seconds < 0 || seconds > 7 * 24 * 3600) {
                throw new SettingsException("--snapshot-interval", seconds + " is outside 0 (off)..604800 seconds");
            }
            this.snapshotIntervalSeconds = seconds;
            return this;
        }

        /** {@code --snapshot-on-error refuse|empty}: what a corrupt or torn snapshot at start-up does. */
        public Builder snapshotOnError(String choice) {
            if ("refuse".equals(choice)) {
                this.snapshotCorruptStartsEmpty = false;
            } else if ("empty".equals(choice)) {
                this.snapshotCorruptStartsEmpty = true;
            } else {
                throw new SettingsException("--snapshot-on-error", "'" + choice + "' is neither refuse (do not start)"
                        + " nor empty (set the file aside and start empty)");
            }
            return this;
        }

        /** memcached's {@code -e <file>}: the snapshot file, and SIGUSR1 stops the server after writing it. */
        public Builder memcachedRestartFile(Path file) {
            snapshotFile(file);
            this.snapshotStopsOnUsr1 = file != null;
            return this;
        }

        /** Checks the combination and returns the immutable settings. */
        public Settings build() {
            List<String> warnings = new ArrayList<>();
            if (udpPort != 0) {
                throw new SettingsException("-U/--udp-port", "UDP is not supported: memcached's UDP port was abused for"
                        + " reflection DDoS amplified up to 50,000x (CVE-2018-1000115); remove -U or use -U 0");
            }
            if ((long) maxItemSize > memoryLimitBytes / 2) {
                throw new SettingsException("-I/--max-item-size", "cannot be more than half of -m/--memory-limit;"
                        + " raise -m or lower -I");
            }
            boolean beyondLoopback = false;
            // With -s no TCP listener is opened (memcached ignores -l then too), so -l exposes nothing.
            for (String address : unixSocket != null ? List.<String>of() : listen) {
                if (!isLoopback(Listener.parse(address).host())) {
                    beyondLoopback = true;
                }
            }
            if (beyondLoopback && allow.isEmpty() && allowFile == null) {
                throw new SettingsException("-l/--listen", "listening on " + String.join(",", listen)
                        + " beyond loopback needs --allow CIDR (the networks that may connect), or --allow-file");
            }
            if (metricsListen != null && allow.isEmpty() && allowFile == null && !metricsOnLoopback()) {
                throw new SettingsException("--metrics-listen", "serving metrics on " + metricsListen
                        + " beyond loopback needs --allow CIDR (the networks that may scrape), or --allow-file");
            }
            if (unixSocket != null && tls.enabled()) {
                throw new SettingsException("-s/--unix-socket", "TLS (-Z) is for TCP listeners; the socket file's"
                        + " permissions (-a) guard a Unix socket: drop -Z or -s");
            }
            if (snapshotIntervalSeconds > 0 && snapshotFile == null) {
                throw new SettingsException("--snapshot-interval", "needs --snapshot-file <path> to write to");
            }
            for (Cidr rule : allow) {
                if (rule.isEverything()) {
                    warnings.add("--allow " + rule + " admits every source address: prefer the networks of your clients");
                }
            }
            return new Settings(this, warnings);
        }

        private boolean metricsOnLoopback() {
            String host = metricsListen.substring(0, metricsListen.lastIndexOf(':'));
            try {
                return isLoopback(host);
            } catch (SettingsException e) {
                throw new SettingsException("--metrics-listen", "cannot resolve '" + host + "'");
            }
        }

        private static List<Cidr> parseCidrs(String flag, String cidrs) {
            List<Cidr> out = new ArrayList<>();
            for (String part : cidrs.split(",")) {
                if (!part.isBlank()) {
                    out.add(Cidr.parse(flag, part));
                }
            }
            if (out.isEmpty()) {
                throw new SettingsException(flag, "needs at least one CIDR, for example 10.0.0.0/8");
            }
            return out;
        }
    }

    /** Whether a listen address can only be reached from this host. */
    public static boolean isLoopback(String address) {
        String a = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        if (a.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(a).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new SettingsException("-l/--listen", "cannot resolve '" + address + "'");
        }
    }
}
