package org.bastion.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * memcached's command-line flags, short and long, turned into {@link Settings}. {@code @file} reads flags from a
 * file, one or more per line with {@code #} comments, as Debian's {@code /etc/memcached.conf}.
 */
@Command(name = "bastion", mixinStandardHelpOptions = false, sortOptions = false,
        description = "A memcached-compatible cache server, hardened by default.",
        footer = {"", "@<file> reads flags from a file, one or more per line, # starts a comment (Debian's"
                + " /etc/memcached.conf works as is).",
                "bastion audit [flags | @<file>] checks a configuration without starting it; bastion audit --probe"
                + " <host:port> checks a running server. See bastion audit --help.",
                "bastion passwd USER [--role ROLE] [--prefix PREFIX] < password prints a users-file line with the"
                + " password hashed."})
public final class Flags {
    /** memcached's -o sub-options that tune its slab allocator or threads; they mean nothing here and are ignored. */
    private static final Set<String> IGNORED_EXTENDED = Set.of("modern", "no_modern", "hash_algorithm", "slab_reassign",
            "no_slab_reassign", "slab_automove", "slab_automove_ratio", "slab_automove_window", "lru_crawler",
            "no_lru_crawler", "lru_maintainer", "no_lru_maintainer", "maxconns_fast", "no_maxconns_fast",
            "tail_repair_time", "hot_lru_pct", "warm_lru_pct", "hot_max_factor", "warm_max_factor", "temporary_ttl",
            "lru_crawler_sleep", "lru_crawler_tocrawl", "expirezero_does_not_evict", "watcher_logbuf_size",
            "worker_logbuf_size", "track_sizes", "no_inline_ascii_resp", "slab_chunk_max", "slab_sizes",
            "hashpower", "no_hashexpand", "bind_timeout", "read_buf_mem_limit", "drop_privileges", "no_drop_privileges",
            "slab_automove_freeratio", "sock_cookie_id");

    @Option(names = {"-p", "--port"}, paramLabel = "<num>", description = "TCP port to listen on (default: 11222)")
    Integer port;

    @Option(names = {"-l", "--listen"}, paramLabel = "<addr>",
            description = "interface(s) to listen on, comma-separated (default: 127.0.0.1)")
    String listen;

    @Option(names = {"-m", "--memory-limit"}, paramLabel = "<mb>",
            description = "memory for items in megabytes, keys and overhead included (default: 64)")
    String memoryLimit;

    @Option(names = {"-c", "--conn-limit"}, paramLabel = "<num>", description = "max simultaneous connections (default: 1024)")
    Integer connLimit;

    @Option(names = {"-t", "--threads"}, paramLabel = "<num>", description = "number of worker threads (default: cores)")
    Integer threads;

    @Option(names = {"-I", "--max-item-size"}, paramLabel = "<size>",
            description = "largest item accepted, with k/m suffix (default: 1m, min 1k, max 1g)")
    String maxItemSize;

    @Option(names = {"-M", "--disable-evictions"}, description = "return an error on memory exhausted instead of evicting")
    boolean disableEvictions;

    @Option(names = {"-u", "--user"}, paramLabel = "<user>", description = "user to run as (required when started as root)")
    String user;

    @Option(names = {"-U", "--udp-port"}, paramLabel = "<num>", description = "UDP port: only 0 (off) is accepted")
    Integer udpPort;

    @Option(names = {"-B", "--protocol"}, paramLabel = "<name>", description = "auto, ascii or binary (default: auto)")
    String protocol;

    @Option(names = {"-v", "--verbose"}, description = "verbose (-vv: very verbose)")
    boolean[] verbose = new boolean[0];

    @Option(names = {"-o", "--extended"}, paramLabel = "<key=value,...>", split = ",",
            description = "extended options; supported: idle_timeout=<seconds>, and with -Z ssl_chain_cert=<file>,"
                    + " ssl_key=<file>, ssl_ca_cert=<file>, ssl_verify_mode=0..3, ssl_min_version=2|3 (tlsv1.2|tlsv1.3),"
                    + " ssl_ciphers=<suite:...>, ssl_session_cache, ssl_engine=auto|jdk|openssl")
    List<String> extended = new ArrayList<>();

    @Option(names = {"-A", "--enable-shutdown"}, description = "allow the shutdown command")
    boolean enableShutdown;

    @Option(names = {"-F", "--disable-flush-all"}, description = "refuse flush_all")
    boolean disableFlushAll;

    @Option(names = {"-X", "--disable-dumping"}, description = "refuse key-dumping commands")
    boolean disableDumping;

    @Option(names = {"-d", "--daemon"}, description = "run as a daemon")
    boolean daemon;

    @Option(names = {"-P", "--pidfile"}, paramLabel = "<file>", description = "write the pid to this file")
    Path pidFile;

    @Option(names = {"--logfile", "logfile"}, paramLabel = "<file>",
            description = "write output and log here, reopened on SIGHUP or SIGUSR1 (the 'logfile' line of Debian's"
                    + " /etc/memcached.conf)")
    Path logFile;

    @Option(names = "--allow", paramLabel = "<cidr,...>",
            description = "networks allowed to connect (repeatable); required to listen beyond loopback")
    List<String> allow = new ArrayList<>();

    @Option(names = "--allow-file", paramLabel = "<file>", description = "file of allowed networks, re-read on SIGHUP")
    Path allowFile;

    @Option(names = "--users", paramLabel = "<file>",
            description = "users file (user:password [role=...] [prefix=...]), re-read on SIGHUP: every connection must log in")
    Path usersFile;

    @Option(names = "--max-conns-per-ip", paramLabel = "<num>", description = "max connections from one source (default: no limit)")
    Integer maxConnsPerIp;

    @Option(names = "--read-only-from", paramLabel = "<cidr,...>", description = "networks that may only read (repeatable)")
    List<String> readOnlyFrom = new ArrayList<>();

    @Option(names = "--request-timeout", paramLabel = "<seconds>",
            description = "close a connection stuck mid-command for this long (default: 30; 0 off)")
    Integer requestTimeout;

    @Option(names = "--metrics-listen", paramLabel = "<host:port>", description = "serve Prometheus metrics here (default: off)")
    String metricsListen;

    @Option(names = "--snapshot-file", paramLabel = "<file>",
            description = "keep items across restarts: loaded at start, written on a graceful stop (default: off)")
    Path snapshotFile;

    @Option(names = "--snapshot-interval", paramLabel = "<seconds>",
            description = "also write the snapshot in the background this often (default: 0, off)")
    Integer snapshotInterval;

    @Option(names = "--snapshot-on-error", paramLabel = "<refuse|empty>",
            description = "a corrupt snapshot at start: refuse to start (default) or set it aside and start empty")
    String snapshotOnError;

    // memcached 1.6.18's other flags: each is understood, so none is picocli's "Unknown option".

    @Option(names = {"-r", "--enable-coredumps"}, description = "raise the core file size limit to its maximum")
    boolean enableCoredumps;

    @Option(names = {"-k", "--lock-memory"}, description = "memcached: lock paged memory; accepted, ignored with a warning")
    boolean lockMemory;

    @Option(names = {"-W", "--disable-watch"}, description = "disable the watch command")
    boolean disableWatch;

    @Option(names = {"-R", "--max-reqs-per-event"}, paramLabel = "<num>",
            description = "requests a connection has answered per turn before it yields to others (default 20)")
    Integer maxReqsPerEvent;

    @Option(names = {"-b", "--listen-backlog"}, paramLabel = "<num>",
            description = "TCP listen backlog (default 1024)")
    Integer listenBacklog;

    @Option(names = {"-C", "--disable-cas"}, description = "disable CAS uniques (gets shows 0, cas never matches)")
    boolean disableCas;

    @Option(names = {"-f", "--slab-growth-factor"}, paramLabel = "<num>",
            description = "memcached slab tuning; ignored with a warning (no slabs)")
    String slabGrowthFactor;

    @Option(names = {"-n", "--slab-min-size"}, paramLabel = "<bytes>",
            description = "memcached slab tuning; ignored with a warning (no slabs)")
    String slabMinSize;

    @Option(names = {"-L", "--enable-largepages"}, description = "memcached slab tuning; ignored with a warning (use"
            + " the JVM's -XX:+UseLargePages)")
    boolean largePages;

    @Option(names = {"-D"}, paramLabel = "<char>", description = "stats detail prefix delimiter (default: ':')")
    String prefixDelimiter;

    @Option(names = {"-N", "--napi_ids"}, paramLabel = "<num>", description = "memcached: NAPI ids; ignored with a warning")
    String napiIds;

    @Option(names = {"-s", "--unix-socket"}, paramLabel = "<file>",
            description = "Unix domain socket to listen on, instead of TCP")
    String unixSocket;

    @Option(names = {"-a", "--unix-mask"}, paramLabel = "<mask>",
            description = "permissions of the -s socket file, in octal (default: 700, only its owner)")
    String unixMask;

    @Option(names = {"-S", "--enable-sasl"},
            description = "binary SASL (PLAIN, CRAM-MD5) against the users file; needs -Y or --users")
    boolean sasl;

    @Option(names = {"-Y", "--auth-file"}, paramLabel = "<file>",
            description = "memcached's name for --users: user:password lines; text logs in with a set")
    Path authFile;

    @Option(names = {"-Z", "--enable-ssl"}, description = "serve TLS (with -o ssl_chain_cert=<file>,ssl_key=<file>);"
            + " -l notls:<addr>[:<port>] keeps one listener plain")
    boolean tls;

    @Option(names = {"-e", "--memory-file"}, paramLabel = "<file>",
            description = "memcached's warm restart: the --snapshot-file, and SIGUSR1 stops after writing it")
    Path memoryFile;

    @Option(names = {"-i", "--license"}, description = "print the license and exit")
    boolean license;

    @Option(names = {"-V", "--version"}, description = "print version and exit")
    boolean version;

    @Option(names = {"-h", "--help"}, description = "print this help and exit")
    boolean help;

    /** What the command line asked for. */
    public record Parsed(Settings settings, List<String> warnings, boolean help, boolean version, boolean license) {
        public Parsed(Settings settings, List<String> warnings, boolean help, boolean version) {
            this(settings, warnings, help, version, false);
        }
    }

    /**
     * Parses memcached-style arguments.
     *
     * @throws SettingsException with a one-line message naming the flag when an argument is unusable
     */
    public static Parsed parse(String... args) {
        Flags flags = new Flags();
        CommandLine cl = newCommandLine(flags);
        try {
            cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new SettingsException(flagOf(e), firstLine(e.getMessage()));
        }
        if (flags.help || flags.version || flags.license) {
            return new Parsed(null, List.of(), flags.help, flags.version, flags.license && !flags.help);
        }
        List<String> warnings = new ArrayList<>();
        Settings settings = flags.toSettings(warnings);
        warnings.addAll(settings.warnings());
        return new Parsed(settings, warnings, false, false);
    }

    /** The usage text for {@code -h}. */
    public static String usage() {
        return newCommandLine(new Flags()).getUsageMessage();
    }

    static CommandLine newCommandLine(Flags flags) {
        CommandLine cl = new CommandLine(flags);
        cl.setPosixClusteredShortOptionsAllowed(true);
        cl.setExpandAtFiles(true);
        cl.setOverwrittenOptionsAllowed(true);
        return cl;
    }

    Settings toSettings(List<String> warnings) {
        Settings.Builder b = Settings.builder();
        if (port != null) {
            b.port(port);
        }
        if (listen != null) {
            b.listen(listen);
        }
        if (memoryLimit != null) {
            b.memoryLimit(memoryLimit);
        }
        if (connLimit != null) {
            b.maxConnections(connLimit);
        }
        if (threads != null) {
            b.threads(threads);
        }
        if (maxItemSize != null) {
            b.maxItemSize(maxItemSize);
        }
        b.evictionsDisabled(disableEvictions);
        b.user(user);
        if (udpPort != null) {
            b.udpPort(udpPort);
        }
        if (protocol != null) {
            b.protocol(protocol);
        }
        b.verbosity(verbose.length);
        TlsSettings.Builder tlsOptions = TlsSettings.builder().enabled(tls);
        for (String option : extended) {
            applyExtended(b, tlsOptions, option.trim(), warnings);
        }
        if (!tls && tlsOptions.anyOption()) {
            warnings.add("-o ssl_* options have no effect without -Z (--enable-ssl): the listeners are plain TCP");
        }
        b.tls(tlsOptions.build());
        b.shutdownEnabled(enableShutdown);
        b.flushAllDisabled(disableFlushAll);
        b.dumpingDisabled(disableDumping);
        if (prefixDelimiter != null) {
            b.prefixDelimiter(prefixDelimiter);
        }
        if (unixSocket != null) {
            b.unixSocket(unixSocket);
        }
        if (unixMask != null) {
            b.unixMask(unixMask);
        }
        if (listenBacklog != null) {
            b.listenBacklog(listenBacklog);
        }
        if (maxReqsPerEvent != null) {
            b.reqsPerEvent(maxReqsPerEvent);
        }
        b.watchDisabled(disableWatch);
        b.casDisabled(disableCas);
        b.daemon(daemon);
        b.pidFile(pidFile);
        b.logFile(logFile);
        for (String rule : allow) {
            b.allow(rule);
        }
        b.allowFile(allowFile);
        if (usersFile != null && authFile != null && !usersFile.equals(authFile)) {
            throw new SettingsException("-Y/--auth-file", "names " + authFile + " but --users names " + usersFile
                    + "; they are the same setting, give one file");
        }
        b.usersFile(usersFile != null ? usersFile : authFile);
        if (maxConnsPerIp != null) {
            b.maxConnectionsPerSource(maxConnsPerIp);
        }
        for (String rule : readOnlyFrom) {
            b.readOnlyFrom(rule);
        }
        if (requestTimeout != null) {
            b.requestTimeoutSeconds(requestTimeout);
        }
        b.metricsListen(metricsListen);
        b.enableCoredumps(enableCoredumps);
        if (memoryFile != null && snapshotFile != null && !memoryFile.equals(snapshotFile)) {
            throw new SettingsException("-e/--memory-file", "names " + memoryFile + " but --snapshot-file names "
                    + snapshotFile + "; give one of them");
        }
        if (memoryFile != null) {
            b.memcachedRestartFile(memoryFile);
        } else {
            b.snapshotFile(snapshotFile);
        }
        if (snapshotInterval != null) {
            b.snapshotIntervalSeconds(snapshotInterval);
        }
        if (snapshotOnError != null) {
            b.snapshotOnError(snapshotOnError);
        }
        memcachedOnly(warnings);
        return b.build();
    }

    /** memcached's flags that Bastion refuses (with the reason) or accepts with a one-line warning. */
    private void memcachedOnly(List<String> warnings) {
        if (sasl && usersFile == null && authFile == null) {
            throw new SettingsException("-S/--enable-sasl", "needs a users file: add --users FILE (or memcached's"
                    + " -Y FILE) with user:password lines; create hashed lines with 'bastion passwd USER'");
        }
        if (lockMemory) {
            warnings.add("-k/--lock-memory is ignored: the JVM maps memory as the heap grows, and locking it would make"
                    + " that growth fail once privileges are dropped; run without swap (or systemd MemorySwapMax=0)");
        }
        if (slabGrowthFactor != null || slabMinSize != null) {
            warnings.add((slabGrowthFactor != null ? "-f/--slab-growth-factor" : "-n/--slab-min-size")
                    + " tunes memcached's slab allocator and is ignored: Bastion has no slabs");
        }
        if (largePages) {
            warnings.add("-L/--enable-largepages is ignored: give the JVM -XX:+UseLargePages instead");
        }
        if (napiIds != null) {
            warnings.add("-N/--napi_ids is ignored: Bastion does not group connections by NAPI id");
        }
    }

    private static void applyExtended(Settings.Builder b, TlsSettings.Builder tls, String option,
            List<String> warnings) {
        if (option.isEmpty()) {
            return;
        }
        int eq = option.indexOf('=');
        String key = eq < 0 ? option : option.substring(0, eq);
        String value = eq < 0 ? null : option.substring(eq + 1);
        if (key.equals("idle_timeout")) {
            b.idleTimeoutSeconds(parseSeconds("-o idle_timeout", value));
        } else if (key.startsWith("ext_")) {
            throw new SettingsException("-o/--extended", key + ": external storage (extstore) is not supported; items"
                    + " live on the JVM heap");
        } else if (key.startsWith("ssl_")) {
            TlsOptions.apply(tls, key, value, warnings);
        } else if (IGNORED_EXTENDED.contains(key)) {
            warnings.add("-o " + key + " tunes memcached's slab allocator or threads and is ignored");
        } else {
            throw new SettingsException("-o/--extended", "unknown option '" + key + "' (supported: idle_timeout=<seconds>)");
        }
    }

    /** Parses the number only; the range is checked by {@link Settings.Builder}, so the embedded API says the same. */
    private static int parseSeconds(String flag, String value) {
        try {
            return Integer.parseInt(value == null ? "" : value.trim());
        } catch (NumberFormatException e) {
            throw new SettingsException(flag, "'" + value + "' is not a number of seconds");
        }
    }

    private static String flagOf(CommandLine.ParameterException e) {
        if (e.getArgSpec() instanceof CommandLine.Model.OptionSpec option) {
            return String.join("/", option.names());
        }
        // A flag given without its value ("-p" at the end) carries its option here, not in getArgSpec().
        if (e instanceof CommandLine.MissingParameterException missing && !missing.getMissing().isEmpty()
                && missing.getMissing().get(0) instanceof CommandLine.Model.OptionSpec option) {
            return String.join("/", option.names());
        }
        // An unknown flag or a stray word: name it as given.
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            return unmatched.getUnmatched().get(0);
        }
        return "arguments";
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
