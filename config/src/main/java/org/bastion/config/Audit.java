package org.bastion.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bastion.config.Finding.Severity;

/**
 * The hardening checklist as rules: {@link #configuration} judges {@link Settings} without starting anything, and
 * {@link #exposure} judges what an unauthenticated client learned from a running memcached-protocol server.
 */
public final class Audit {
    /** The permission bit that lets any local user connect to a Unix socket. */
    private static final int OTHERS_WRITE = 02;
    /** memcached's well-known port, the first one scanners try. */
    static final int MEMCACHED_PORT = 11211;
    /** {@code -R} above this (50 times memcached's 20) lets one pipelining client hold its event loop noticeably. */
    static final int MANY_REQS_PER_EVENT = 1000;
    /** IPv4 allow rules shorter than this admit more than a /8, far more than any one site's clients. */
    static final int WIDE_IPV4_PREFIX = 8;
    /** IPv6 allow rules shorter than this admit more than a /32, a whole provider's allocation. */
    static final int WIDE_IPV6_PREFIX = 32;

    private Audit() {
    }

    /**
     * Findings for a configuration.
     *
     * @param settings the validated settings to judge
     * @param startedAsRoot whether the process would start with effective uid 0 (the auditor's own identity)
     */
    private static final java.net.InetAddress LOOPBACK_V6 = loopbackV6();

    private static java.net.InetAddress loopbackV6() {
        try {
            return java.net.InetAddress.getByName("::1");
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<Finding> configuration(Settings settings, boolean startedAsRoot) {
        List<Finding> out = new ArrayList<>();
        List<String> exposed = new ArrayList<>();
        List<String> clearText = new ArrayList<>();
        // With -s there is no TCP listener to expose.
        for (String address : settings.unixSocket() != null ? List.<String>of() : settings.listen()) {
            Listener listener = Listener.parse(address);
            if (!Settings.isLoopback(listener.host())) {
                exposed.add(address);
                if (!settings.tls().enabled() || !listener.tls()) {
                    clearText.add(address);
                }
            }
        }
        boolean beyondLoopback = !exposed.isEmpty();
        if (beyondLoopback) {
            out.add(new Finding(Severity.MEDIUM, "listen", "listening beyond loopback on " + String.join(",", exposed)
                    + "; every host that can route here and passes --allow can read and write every item",
                    "listen on 127.0.0.1 (-l 127.0.0.1) when clients share this host, otherwise keep --allow to"
                            + " the clients' networks and firewall the port too"));
        }
        if (!clearText.isEmpty()) {
            out.add(new Finding(Severity.HIGH, "tls", "listening beyond loopback without TLS on "
                    + String.join(",", clearText) + ": keys and values cross the network in clear text, readable and"
                    + " changeable by anyone on the path", "serve TLS: -Z -o ssl_chain_cert=<file>,ssl_key=<file>"
                    + " (docs/security.md), and keep notls: for loopback listeners only"));
        }
        if (settings.tls().enabled()) {
            certificateFindings(settings.tls(), out);
        }
        if (beyondLoopback && settings.usersFile() == null) {
            out.add(new Finding(Severity.HIGH, "auth", "listening beyond loopback on " + String.join(",", exposed)
                    + " without authentication: any process on an allowed host reads and writes every item",
                    "require logins with --users FILE (create lines with 'bastion passwd USER')"));
        }
        if (settings.usersFile() != null) {
            usersFile(settings.usersFile(), out);
        }
        List<Cidr> rules = new ArrayList<>(settings.allow());
        if (settings.allowFile() != null) {
            rules.addAll(allowFileRules(settings.allowFile(), out));
        }
        for (Cidr rule : rules) {
            boolean v4 = rule.network().length == 4;
            int wide = v4 ? WIDE_IPV4_PREFIX : WIDE_IPV6_PREFIX;
            if (rule.isEverything()) {
                out.add(new Finding(Severity.HIGH, "allow", "--allow " + rule + " admits every source address",
                        "list only your clients' networks, for example --allow 10.1.2.0/24"));
            } else if (rule.prefixLength() < wide) {
                out.add(new Finding(Severity.MEDIUM, "allow", "--allow " + rule + " is a very wide network (prefix"
                        + " shorter than /" + wide + ")", "narrow it to the networks your clients use"));
            }
        }
        if (settings.port() == MEMCACHED_PORT) {
            out.add(new Finding(Severity.LOW, "port", "port 11211 is memcached's well-known port, the first one"
                    + " scanners try", "use another port, for example Bastion's default -p 11222"));
        }
        if (settings.unixSocket() != null && (settings.unixMask() & OTHERS_WRITE) != 0) {
            out.add(new Finding(Severity.MEDIUM, "unix-socket", "-a " + Integer.toOctalString(settings.unixMask())
                    + ": every local user may connect to " + settings.unixSocket() + " and read and write every item",
                    "keep memcached's -a 700 (only the owner), or -a 770 for a group of clients"));
        }
        if (settings.reqsPerEvent() > MANY_REQS_PER_EVENT) {
            out.add(manyRequestsPerTurn(settings.reqsPerEvent()));
        }
        // A Unix socket has no source address to cap by.
        if (settings.maxConnectionsPerSource() == 0 && settings.unixSocket() == null) {
            out.add(new Finding(beyondLoopback ? Severity.MEDIUM : Severity.LOW, "conn-cap",
                    "no per-source connection cap: one client can take all " + settings.maxConnections()
                            + " connections (-c) and lock the others out",
                    "set --max-conns-per-ip, for example --max-conns-per-ip 64"));
        }
        if (beyondLoopback) {
            List<Cidr> writers = remoteWriters(rules, settings.readOnlyFrom());
            if (!settings.flushAllDisabled() && !writers.isEmpty()) {
                out.add(new Finding(Severity.MEDIUM, "flush_all", "flush_all is allowed from non-loopback sources ("
                        + join(writers) + "): one command erases every item",
                        "add -F (--disable-flush-all), or --read-only-from for sources that only read"));
            }
            List<Cidr> remote = remoteRules(rules);
            if (settings.shutdownEnabled() && !remote.isEmpty()) {
                out.add(new Finding(Severity.HIGH, "shutdown", "shutdown is enabled (-A) and reachable from"
                        + " non-loopback sources (" + join(remote) + "): one command stops the server",
                        "remove -A (--enable-shutdown); stop the server with SIGTERM instead"));
            }
        }
        if (!rules.isEmpty() && !beyondLoopback && settings.allowFile() == null) {
            // Only loopback listeners: the clients are on this host, so a rule list without loopback admits nobody.
            boolean admitsLoopback = false;
            for (Cidr rule : rules) {
                admitsLoopback |= rule.contains(java.net.InetAddress.getLoopbackAddress())
                        || rule.contains(LOOPBACK_V6);
            }
            if (!admitsLoopback) {
                out.add(new Finding(Severity.HIGH, "allow", "--allow " + join(rules) + " admits no loopback source,"
                        + " but the server listens only on loopback (" + String.join(",", settings.listen())
                        + "): every client is refused", "add --allow 127.0.0.1/32, or listen with -l on the interface"
                        + " those networks reach"));
            }
        }
        String user = settings.user();
        if ("root".equals(user)) {
            out.add(new Finding(Severity.HIGH, "user", "runs as root (-u root): a flaw in the server would hand"
                    + " an attacker the whole host", "use an unprivileged user, for example -u bastion or -u nobody"));
        } else if (user == null && startedAsRoot) {
            out.add(new Finding(Severity.HIGH, "user", "started as root without -u: the server runs as nobody, an"
                    + " account other services share", "add -u/--user with a dedicated user, for example -u bastion"));
        }
        return out;
    }

    /**
     * Findings about this host for a configuration: what {@link #configuration} cannot see from the settings alone
     * (a {@code -u} account that does not exist here, so a start as root would fail).
     */
    public static List<Finding> host(Settings settings, Path passwd) {
        List<Finding> out = new ArrayList<>();
        String user = settings.user();
        if (user != null && !"root".equals(user) && !accountExists(user, passwd)) {
            out.add(new Finding(Severity.HIGH, "user", "-u " + user + ": no such account in " + passwd + ", so the"
                    + " server cannot start as root", "create it (useradd --system " + user + ") or name another"));
        }
        out.addAll(snapshot(settings, System.currentTimeMillis()));
        return out;
    }

    /**
     * Findings about {@code --snapshot-file} on this host: a directory that is missing or that the auditing user
     * cannot write (the snapshot on stop would fail and the next start would be cold), a snapshot file others may read
     * (it holds every cached value), and with {@code --snapshot-interval} a snapshot older than two intervals (the
     * periodic writes are failing, or the server is not running).
     */
    static List<Finding> snapshot(Settings settings, long nowMillis) {
        List<Finding> out = new ArrayList<>();
        Path file = settings.snapshotFile();
        if (file == null) {
            return out;
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            out.add(new Finding(Severity.HIGH, "snapshot", "--snapshot-file " + file + ": the directory " + dir
                    + " does not exist, so no snapshot can be written and every restart is cold",
                    "create it (mkdir -p " + dir + ") owned by the server's user"));
            return out;
        }
        if (!Files.isWritable(dir)) {
            out.add(new Finding(Severity.HIGH, "snapshot", "--snapshot-file " + file + ": the directory " + dir
                    + " is not writable (by the user running audit), so the snapshot on stop would fail",
                    "make it writable by the server's user (chown " + (settings.user() == null ? "<user>"
                            : settings.user()) + " " + dir + ")"));
        }
        if (!Files.exists(file)) {
            return out;
        }
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)
                    || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)) {
                out.add(new Finding(Severity.MEDIUM, "snapshot", file + " is readable by other users and holds every"
                        + " cached value", "chmod 600 " + file + " (Bastion writes its snapshots owner-only)"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not a POSIX file system, or not readable: nothing to say about permissions.
        }
        int interval = settings.snapshotIntervalSeconds();
        if (interval > 0) {
            try {
                long age = (nowMillis - Files.getLastModifiedTime(file).toMillis()) / 1000;
                if (age > 2L * interval) {
                    out.add(new Finding(Severity.MEDIUM, "snapshot", file + " was written " + age + " s ago, more"
                            + " than twice --snapshot-interval " + interval + " s: periodic snapshots are failing or"
                            + " the server is not running", "check the server's log for \"periodic snapshot failed\""));
                }
            } catch (IOException e) {
                out.add(new Finding(Severity.MEDIUM, "snapshot", file + " cannot be read: " + e.getMessage(),
                        "make it readable by the server's user"));
            }
        }
        return out;
    }

    /**
     * Whether {@code passwd} (the local account database) has {@code user}. Accounts from a directory service are not
     * seen; an unreadable file counts as "exists" so audit never reports what it could not check.
     */
    static boolean accountExists(String user, Path passwd) {
        try {
            return Files.readAllLines(passwd).stream().anyMatch(l -> l.startsWith(user + ":"));
        } catch (java.io.IOException e) {
            return true;
        }
    }

    /**
     * Findings for what a client learned from a server without changing any data.
     *
     * @param version the {@code version} reply's version, or null if it gave none
     * @param stats {@code stats} values (empty when refused)
     * @param settings {@code stats settings} values (empty when refused)
     */
    public static List<Finding> exposure(String version, Map<String, String> stats, Map<String, String> settings) {
        List<Finding> out = new ArrayList<>();
        if (version != null) {
            String own = stats.get("bastion_version");
            out.add(new Finding(Severity.INFO, "version", "version " + version + " disclosed"
                    + (own != null ? " (bastion " + own + ")" : ""), ""));
        }
        if (!stats.isEmpty()) {
            out.add(new Finding(Severity.LOW, "stats", "stats disclosed " + stats.size() + " values to an"
                    + " unauthenticated client" + detail(stats, "pid", "uptime", "curr_connections", "curr_items"),
                    "only let trusted networks connect (Bastion: --allow; memcached: firewall and -l)"));
        }
        if (!settings.isEmpty()) {
            out.add(new Finding(Severity.LOW, "stats settings", "stats settings disclosed " + settings.size()
                    + " values (the server's configuration)",
                    "only let trusted networks connect (Bastion: --allow; memcached: firewall and -l)"));
        }
        String udp = settings.get("udpport");
        if (udp != null && !udp.equals("0")) {
            out.add(new Finding(Severity.HIGH, "udp", "UDP port " + udp + " is enabled: memcached's UDP was abused"
                    + " for reflection DDoS amplified up to 50,000x (CVE-2018-1000115)", "start memcached with -U 0"));
        }
        String inter = settings.get("inter");
        if (inter != null && (inter.equals("NULL") || inter.equals("0.0.0.0") || inter.equals("::"))) {
            out.add(new Finding(Severity.HIGH, "listen", "listening on every interface (inter " + inter + ")",
                    "listen on 127.0.0.1 (-l 127.0.0.1) or the one interface clients use, behind a firewall"));
        }
        if ("11211".equals(settings.get("tcpport"))) {
            out.add(new Finding(Severity.LOW, "port", "TCP port 11211 is memcached's well-known port, the first one"
                    + " scanners try", "use another port"));
        }
        boolean sasl = "yes".equals(settings.get("auth_enabled_sasl"));
        // memcached prints -Y's file name here, "no" when off.
        String asciiValue = settings.get("auth_enabled_ascii");
        boolean ascii = asciiValue != null && !asciiValue.equals("no");
        if (!settings.isEmpty() && !sasl && !ascii) {
            out.add(new Finding(Severity.MEDIUM, "auth", "authentication is disabled (auth_enabled_sasl "
                    + settings.getOrDefault("auth_enabled_sasl", "absent") + "): any client that can connect reads"
                    + " and writes every item", "restrict who can connect (Bastion: --allow and --read-only-from;"
                    + " memcached: firewall, -l, or SASL)"));
        }
        String maxconns = settings.get("maxconns");
        if (maxconns != null) {
            out.add(new Finding(Severity.INFO, "maxconns", "at most " + maxconns + " connections"
                    + (settings.containsKey("max_conns_per_ip") ? ", per source "
                    + perSource(settings.get("max_conns_per_ip")) : ""), ""));
        }
        String flush = settings.get("flush_enabled");
        if (flush == null) {
            out.add(new Finding(Severity.INFO, "flush_all", "unknown whether flush_all is enabled"
                    + " (flush_enabled not in stats settings); not tried, it would erase data", ""));
        } else if (flush.equals("yes")) {
            out.add(new Finding(Severity.MEDIUM, "flush_all", "flush_all is enabled: any client can erase every item"
                    + " (not tried)", "start the server with -F (--disable-flush-all)"));
        }
        String shutdown = settings.containsKey("shutdown_enabled") ? settings.get("shutdown_enabled")
                : settings.get("shutdown_command");
        if ("yes".equals(shutdown)) {
            out.add(new Finding(Severity.HIGH, "shutdown", "the shutdown command is enabled: any client can stop the"
                    + " server (not tried)", "remove -A (--enable-shutdown)"));
        }
        if ("yes".equals(settings.get("dump_enabled"))) {
            out.add(new Finding(Severity.LOW, "dumping", "key-dumping commands are enabled: any client can list"
                    + " the keys", "start the server with -X (--disable-dumping)"));
        }
        String reqs = settings.get("reqs_per_event");
        if (reqs != null && reqs.matches("\\d{1,9}") && Integer.parseInt(reqs) > MANY_REQS_PER_EVENT) {
            out.add(manyRequestsPerTurn(Integer.parseInt(reqs)));
        }
        return out;
    }

    private static Finding manyRequestsPerTurn(int reqs) {
        return new Finding(Severity.LOW, "reqs-per-event", "-R " + reqs + ": one client pipelining requests has up to "
                + reqs + " answered before the other connections on its event loop are served",
                "keep memcached's -R 20 (the default)");
    }

    /** Certificates that expire within this many days are a finding. */
    static final int CERT_WARNING_DAYS = 30;

    /** The server certificate and the client CA: expired, or expiring within 30 days. */
    private static void certificateFindings(TlsSettings tls, List<Finding> out) {
        certificateFinding("ssl_chain_cert", tls.chainCert(), out);
        if (tls.caCert() != null) {
            certificateFinding("ssl_ca_cert", tls.caCert(), out);
        }
    }

    private static void certificateFinding(String option, Path file, List<Finding> out) {
        java.security.cert.X509Certificate cert;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        } catch (IOException | java.security.cert.CertificateException | RuntimeException e) {
            out.add(new Finding(Severity.HIGH, "tls", "-o " + option + " " + file + " cannot be read as a PEM"
                    + " certificate (" + e.getClass().getSimpleName() + "): the server would not start",
                    "point it at the PEM certificate file, readable by the server's user"));
            return;
        }
        java.time.Instant notAfter = cert.getNotAfter().toInstant();
        java.time.Instant now = java.time.Instant.now();
        if (notAfter.isBefore(now)) {
            out.add(new Finding(Severity.HIGH, "tls", "-o " + option + " " + file + " expired on " + notAfter
                    + ": clients that verify it refuse to connect", "renew it, then run refresh_certs or send SIGHUP"));
        } else if (notAfter.isBefore(now.plus(java.time.Duration.ofDays(CERT_WARNING_DAYS)))) {
            out.add(new Finding(Severity.MEDIUM, "tls", "-o " + option + " " + file + " expires on " + notAfter
                    + ", within " + CERT_WARNING_DAYS + " days", "renew it, then run refresh_certs or send SIGHUP"
                    + " (no restart needed)"));
        }
    }

    /** Whether any finding is a problem (not just a note): {@code audit}'s exit status. */
    public static boolean hasProblems(List<Finding> findings) {
        return findings.stream().anyMatch(f -> f.severity().isProblem());
    }

    private static String perSource(String value) {
        return value == null || value.equals("0") ? "unlimited" : value;
    }

    private static String detail(Map<String, String> stats, String... keys) {
        StringBuilder s = new StringBuilder();
        for (String key : keys) {
            String v = stats.get(key);
            if (v != null) {
                s.append(s.length() == 0 ? ", including " : ", ").append(key).append(' ').append(v);
            }
        }
        return s.toString();
    }

    /** Allow rules that admit sources beyond loopback. */
    private static List<Cidr> remoteRules(List<Cidr> rules) {
        List<Cidr> out = new ArrayList<>();
        for (Cidr rule : rules) {
            if (!rule.isLoopbackOnly()) {
                out.add(rule);
            }
        }
        return out;
    }

    /** Allow rules beyond loopback that some read-only rule does not wholly cover: their sources may write. */
    private static List<Cidr> remoteWriters(List<Cidr> rules, List<Cidr> readOnly) {
        List<Cidr> out = new ArrayList<>();
        for (Cidr rule : remoteRules(rules)) {
            boolean covered = false;
            for (Cidr ro : readOnly) {
                if (covers(ro, rule)) {
                    covered = true;
                    break;
                }
            }
            if (!covered) {
                out.add(rule);
            }
        }
        return out;
    }

    /** Whether every address of {@code inner} lies in {@code outer}. */
    static boolean covers(Cidr outer, Cidr inner) {
        if (outer.network().length != inner.network().length || outer.prefixLength() > inner.prefixLength()) {
            return false;
        }
        try {
            return outer.contains(InetAddress.getByAddress(inner.network()));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A users file's own risks: passwords stored in plain text, and who else may read it. */
    private static void usersFile(Path file, List<Finding> out) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            out.add(new Finding(Severity.HIGH, "users", "--users " + file + " cannot be read ("
                    + e.getClass().getSimpleName() + "): the server would not start",
                    "create it with user:password lines, readable only by the server's user"));
            return;
        }
        int plain = 0;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (line.isBlank() || line.stripLeading().startsWith("#") || colon < 0) {
                continue;
            }
            if (!line.startsWith("$pbkdf2-sha256$", colon + 1)) {
                plain++;
            }
        }
        if (plain > 0) {
            out.add(new Finding(Severity.MEDIUM, "users", plain + " password(s) in " + file + " are stored in plain"
                    + " text: whoever reads the file can log in", "replace each with the line 'bastion passwd USER'"
                    + " prints (CRAM-MD5 needs the plain password; PLAIN and the text login do not)"));
        }
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)
                    || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)) {
                out.add(new Finding(plain > 0 ? Severity.HIGH : Severity.MEDIUM, "users", file + " is readable by "
                        + (perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ) ? "every user"
                        : "its group") + " (" + java.nio.file.attribute.PosixFilePermissions.toString(perms) + ")",
                        "chmod 600 " + file + " and chown it to the server's user"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not a POSIX file system: nothing to say about modes.
        }
    }

    /** The rules in an allow file (one CIDR per line, {@code #} comments); a problem reading it is a finding. */
    private static List<Cidr> allowFileRules(Path file, List<Finding> out) {
        List<Cidr> rules = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            out.add(new Finding(Severity.HIGH, "allow-file", "--allow-file " + file + " cannot be read ("
                    + e.getClass().getSimpleName() + "): the server would not start or would admit no one",
                    "create the file with one CIDR per line, readable by the server's user"));
            return rules;
        }
        for (String line : lines) {
            int hash = line.indexOf('#');
            String text = (hash < 0 ? line : line.substring(0, hash)).trim();
            if (text.isEmpty()) {
                continue;
            }
            try {
                rules.add(Cidr.parse("--allow-file", text));
            } catch (SettingsException e) {
                out.add(new Finding(Severity.HIGH, "allow-file", e.getMessage(), "fix or remove the line in " + file));
            }
        }
        return rules;
    }

    private static String join(List<Cidr> rules) {
        StringBuilder s = new StringBuilder();
        for (Cidr c : rules) {
            s.append(s.length() == 0 ? "" : ",").append(c);
        }
        return s.toString();
    }
}
