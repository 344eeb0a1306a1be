package org.bastion.config;

import static org.bastion.config.SettingsTest.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** memcached's flags, short and long, and {@code @file}, parsed into {@link Settings}. */
class FlagsTest {
    private static Settings parse(String... args) {
        Flags.Parsed p = Flags.parse(args);
        assertFalse(p.help());
        assertFalse(p.version());
        return p.settings();
    }

    @Test
    void noFlagsGiveTheDefaults() {
        assertEquals(Settings.defaults().describe(), parse().describe());
    }

    @Test
    void port() {
        assertEquals(1234, parse("-p", "1234").port());
        assertEquals(1235, parse("--port", "1235").port());
        assertEquals(1236, parse("--port=1236").port());
        assertEquals(1237, parse("-p1237").port());
        refused("-p/--port", () -> Flags.parse("-p", "abc"));
        refused("-p/--port", () -> Flags.parse("-p", "70000"));
        refused("-p/--port", () -> Flags.parse("-p"));
    }

    @Test
    void listen() {
        assertEquals(List.of("127.0.0.1", "::1"), parse("-l", "127.0.0.1,::1").listen());
        assertEquals(List.of("127.0.0.2"), parse("--listen", "127.0.0.2").listen());
        refused("-l/--listen", () -> Flags.parse("-l", "0.0.0.0"));
        assertEquals(List.of("0.0.0.0"), parse("-l", "0.0.0.0", "--allow", "10.0.0.0/8").listen());
    }

    @Test
    void memoryLimit() {
        assertEquals(128L << 20, parse("-m", "128").memoryLimitBytes());
        assertEquals(256L << 20, parse("--memory-limit", "256").memoryLimitBytes());
        assertEquals(1024L << 20, parse("-m", "1g").memoryLimitBytes());
        refused("-m/--memory-limit", () -> Flags.parse("-m", "lots"));
        refused("-m/--memory-limit", () -> Flags.parse("-m", "-5"));
    }

    @Test
    void connLimitAndThreads() {
        assertEquals(10, parse("-c", "10").maxConnections());
        assertEquals(11, parse("--conn-limit", "11").maxConnections());
        assertEquals(3, parse("-t", "3").threads());
        assertEquals(4, parse("--threads", "4").threads());
        refused("-c/--conn-limit", () -> Flags.parse("-c", "0"));
        refused("-t/--threads", () -> Flags.parse("-t", "x"));
    }

    @Test
    void maxItemSizeWithSuffixes() {
        assertEquals(512 * 1024, parse("-I", "512k").maxItemSize());
        assertEquals(2 * 1024 * 1024, parse("-I", "2m").maxItemSize());
        assertEquals(2 * 1024 * 1024, parse("-I", "2M").maxItemSize());
        assertEquals(1024 * 1024, parse("--max-item-size", "1048576").maxItemSize());
        assertEquals(1024, parse("-I", "1k").maxItemSize());
        assertEquals(1024 * 1024 * 1024, parse("-I", "1g", "-m", "4096").maxItemSize());
        refused("-I/--max-item-size", () -> Flags.parse("-I", "1023"));
        refused("-I/--max-item-size", () -> Flags.parse("-I", "2g", "-m", "8192"));
        refused("-I/--max-item-size", () -> Flags.parse("-I", "big"));
        refused("-I/--max-item-size", () -> Flags.parse("-I", "64m"));
    }

    @Test
    void evictionsUserUdpProtocol() {
        assertTrue(parse("-M").evictionsDisabled());
        assertTrue(parse("--disable-evictions").evictionsDisabled());
        assertEquals("nobody", parse("-u", "nobody").user());
        assertEquals("memcache", parse("--user", "memcache").user());
        assertEquals(11222, parse("-U", "0").port());
        parse("--udp-port", "0");
        refused("-U/--udp-port", () -> Flags.parse("-U", "11211"));
        refused("-U/--udp-port", () -> Flags.parse("-U", "x"));
        assertEquals(Protocol.BINARY, parse("-B", "binary").protocol());
        assertEquals(Protocol.ASCII, parse("--protocol", "ascii").protocol());
        refused("-B/--protocol", () -> Flags.parse("-B", "json"));
    }

    @Test
    void verbosity() {
        assertEquals(0, parse().verbosity());
        assertEquals(1, parse("-v").verbosity());
        assertEquals(2, parse("-vv").verbosity());
        assertEquals(2, parse("-v", "--verbose").verbosity());
        assertTrue(parse("-vvM").evictionsDisabled(), "short flags cluster, as with getopt");
    }

    @Test
    void extendedOptions() {
        assertEquals(30, parse("-o", "idle_timeout=30").idleTimeoutSeconds());
        assertEquals(40, parse("--extended", "idle_timeout=40").idleTimeoutSeconds());
        Flags.Parsed p = Flags.parse("-o", "modern,slab_reassign,idle_timeout=5,hashpower=20");
        assertEquals(5, p.settings().idleTimeoutSeconds());
        assertEquals(3, p.warnings().size(), p.warnings().toString());
        assertTrue(p.warnings().get(0).startsWith("-o modern"), p.warnings().get(0));
        refused("-o idle_timeout", () -> Flags.parse("-o", "idle_timeout=soon"));
        refused("-o idle_timeout", () -> Flags.parse("-o", "idle_timeout=-1"));
        SettingsException e = refused("-o/--extended", () -> Flags.parse("-o", "bogus=1"));
        assertTrue(e.getMessage().contains("bogus"), e.getMessage());
    }

    @Test
    void hardeningFlags() {
        Settings s = parse("-A", "-F", "-X", "--max-conns-per-ip", "5", "--read-only-from", "10.0.0.0/8",
                "--request-timeout", "9", "--metrics-listen", "127.0.0.1:9100", "-P", "/tmp/b.pid");
        assertTrue(s.shutdownEnabled());
        assertTrue(s.flushAllDisabled());
        assertTrue(s.dumpingDisabled());
        assertEquals(5, s.maxConnectionsPerSource());
        assertEquals("10.0.0.0/8", s.readOnlyFrom().get(0).toString());
        assertEquals(9, s.requestTimeoutSeconds());
        assertEquals("127.0.0.1:9100", s.metricsListen());
        assertEquals(Path.of("/tmp/b.pid"), s.pidFile());
        assertTrue(parse("--enable-shutdown").shutdownEnabled());
        assertTrue(parse("-d").daemon());
        assertEquals(2, parse("--allow", "10.0.0.0/8", "--allow", "192.168.0.0/16,fd00::/8").allow().size() - 1);
    }

    @Test
    void versionAndHelp() {
        assertTrue(Flags.parse("-V").version());
        assertTrue(Flags.parse("--version").version());
        assertTrue(Flags.parse("-h").help());
        assertTrue(Flags.parse("--help").help());
        assertNull(Flags.parse("-h").settings());
        String usage = Flags.usage();
        for (String flag : new String[] {"--port", "--listen", "--memory-limit", "--conn-limit", "--threads",
                "--max-item-size", "--disable-evictions", "--user", "--udp-port", "--extended", "--version", "--help"}) {
            assertTrue(usage.contains(flag), flag + " missing from usage");
        }
    }

    @Test
    void unknownFlagIsNamed() {
        refused("--bogus", () -> Flags.parse("--bogus"));
        refused("stray", () -> Flags.parse("-p", "1", "stray"));
        SettingsException missing = refused("-m/--memory-limit", () -> Flags.parse("-m"));
        assertTrue(missing.getMessage().contains("Missing"), missing.getMessage());
    }

    @Test
    void atFileLikeDebiansMemcachedConf(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("bastion.conf");
        Files.writeString(conf, String.join("\n",
                "# Bastion configuration, one flag per line",
                "",
                "# Start with a cap of 128 megs of memory",
                "-m 128",
                "-p 11333",
                "   # indented comment",
                "-l 127.0.0.1",
                "-c 100",
                "-v",
                "--max-item-size 2m",
                "-o idle_timeout=60",
                "# -t 99",
                "-u nobody",
                ""));
        Settings s = parse("@" + conf);
        assertEquals(128L << 20, s.memoryLimitBytes());
        assertEquals(11333, s.port());
        assertEquals(100, s.maxConnections());
        assertEquals(1, s.verbosity());
        assertEquals(2 * 1024 * 1024, s.maxItemSize());
        assertEquals(60, s.idleTimeoutSeconds());
        assertEquals("nobody", s.user());
        assertEquals(Runtime.getRuntime().availableProcessors(), s.threads(), "commented-out flags stay off");
        assertEquals(11444, parse("@" + conf, "-p", "11444").port(), "later flags override the file");
    }

    @Test
    void badFlagInAtFileIsNamed(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "-m 64\n-p nope\n");
        refused("-p/--port", () -> Flags.parse("@" + conf));
    }

    /**
     * Every flag memcached 1.6.18 lists in {@code memcached -h} (asked of the real binary when installed) is
     * understood: implemented, accepted with a warning, or refused with a reason; never picocli's unknown option.
     */
    @Test
    void everyMemcachedFlagIsUnderstood() throws Exception {
        List<String> flags = new java.util.ArrayList<>(List.of("-p", "-U", "-s", "-a", "-A", "-l", "-d", "-r", "-u",
                "-m", "-M", "-c", "-k", "-v", "-vv", "-vvv", "-h", "-i", "-V", "-P", "-f", "-n", "-L", "-D", "-t", "-R",
                "-C", "-b", "-B", "-I", "-S", "-F", "-X", "-W", "-Y", "-e", "-Z", "-o", "-N"));
        Path memcached = Path.of("/usr/bin/memcached");
        if (Files.isExecutable(memcached)) {
            Process p = new ProcessBuilder(memcached.toString(), "-h").redirectErrorStream(true).start();
            String help = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\s*(-[A-Za-z]+)[, ]").matcher(help);
            while (m.find()) {
                if (!flags.contains(m.group(1))) {
                    flags.add(m.group(1)); // a flag this list forgot: it must be understood too
                }
            }
        }
        java.util.Map<String, String> values = java.util.Map.of("-p", "11211", "-U", "0", "-s", "/tmp/m.sock", "-a",
                "700", "-u", "nobody", "-m", "64", "-c", "10", "-P", "/tmp/m.pid", "-f", "1.25", "-n", "48");
        java.util.Map<String, String> more = java.util.Map.of("-D", ":", "-t", "2", "-R", "20", "-b", "1024", "-B",
                "ascii", "-I", "1m", "-Y", "/tmp/auth", "-e", "/tmp/mem", "-o", "modern", "-N", "1");
        for (String flag : flags) {
            String value = values.getOrDefault(flag, more.get(flag));
            String[] args = value == null ? new String[] {flag} : new String[] {flag, value};
            try {
                Flags.Parsed parsed = Flags.parse(args);
                if (parsed.settings() != null) {
                    assertTrue(parsed.settings().describe().contains("port"), flag);
                }
            } catch (SettingsException e) {
                assertFalse(e.getMessage().contains("Unknown") || e.getMessage().contains("Unmatched"),
                        flag + ": " + e.getMessage());
                assertTrue(e.getMessage().length() > 40, flag + " is refused with a reason: " + e.getMessage());
            }
        }
    }

    @Test
    void aUnixSocketReplacesTcpWithTheMaskItIsGiven() {
        Settings s = Flags.parse("-s", "/tmp/b.sock", "-a", "770").settings();
        assertEquals(Path.of("/tmp/b.sock"), s.unixSocket());
        assertEquals(0770, s.unixMask());
        assertTrue(s.describe().startsWith("domain_socket /tmp/b.sock\numask 770\n"), s.describe());
        assertFalse(s.describe().contains("tcpport"), "no TCP port is listened on");
        Settings defaults = Flags.parse("-s", "/tmp/b.sock").settings();
        assertEquals(0700, defaults.unixMask(), "memcached's default: only the owner");
        assertNull(Flags.parse().settings().unixSocket());
        for (String bad : new String[] {"800", "1000", "-1", "rw", ""}) {
            assertTrue(refused("-a/--unix-mask", () -> Flags.parse("-s", "/tmp/b.sock", "-a", bad)).getMessage()
                    .contains("is not an octal mask"), bad);
        }
        refused("-s/--unix-socket", () -> Flags.parse("-s", " "));
        assertEquals(Path.of("/tmp/b.sock"), Flags.parse("-s", "/tmp/b.sock", "-l", "0.0.0.0").settings().unixSocket(),
                "no TCP listener is opened, so -l beyond loopback needs no --allow");
    }

    @Test
    void refusedMemcachedFlagsSayWhy() {
        assertTrue(refused("-S/--enable-sasl", () -> Flags.parse("-S")).getMessage().contains("--users FILE"));
        assertTrue(refused("-Z/--enable-ssl", () -> Flags.parse("-Z")).getMessage().contains("ssl_chain_cert"));
        refused("-Y/--auth-file", () -> Flags.parse("-Y", "/tmp/a", "--users", "/tmp/b"));
        refused("-o/--extended", () -> Flags.parse("-o", "ext_path=/tmp/x:1g"));
    }

    @Test
    void snapshotFlagsAndMemcachedWarmRestartFile() {
        Settings s = Flags.parse("--snapshot-file", "/tmp/b.snap", "--snapshot-interval", "60",
                "--snapshot-on-error", "empty").settings();
        assertEquals(Path.of("/tmp/b.snap"), s.snapshotFile());
        assertEquals(60, s.snapshotIntervalSeconds());
        assertTrue(s.snapshotCorruptStartsEmpty());
        assertFalse(s.snapshotStopsOnUsr1());
        Settings e = Flags.parse("-e", "/tmp/m").settings();
        assertEquals(Path.of("/tmp/m"), e.snapshotFile());
        assertTrue(e.snapshotStopsOnUsr1(), "-e keeps memcached's meaning of SIGUSR1");
        assertFalse(e.snapshotCorruptStartsEmpty(), "refusing a corrupt snapshot is the default");
        assertEquals(0, e.snapshotIntervalSeconds());
        refused("--snapshot-interval", () -> Flags.parse("--snapshot-interval", "5"));
        refused("--snapshot-interval", () -> Flags.parse("--snapshot-file", "/tmp/x", "--snapshot-interval", "-1"));
        refused("--snapshot-on-error", () -> Flags.parse("--snapshot-file", "/tmp/x", "--snapshot-on-error", "maybe"));
        refused("-e/--memory-file", () -> Flags.parse("-e", "/tmp/a", "--snapshot-file", "/tmp/b"));
    }

    @Test
    void usersFileComesFromDashYOrUsers() {
        assertEquals(Path.of("/tmp/a"), Flags.parse("-Y", "/tmp/a").settings().usersFile());
        assertEquals(Path.of("/tmp/u"), Flags.parse("-S", "--users", "/tmp/u").settings().usersFile());
        assertEquals(Path.of("/tmp/u"), Flags.parse("-S", "-Y", "/tmp/u", "--users", "/tmp/u").settings().usersFile());
        assertEquals(null, Flags.parse().settings().usersFile());
        assertTrue(Flags.parse("-Y", "/tmp/a").settings().describe().contains("auth_enabled_ascii /tmp/a\n"));
    }

    @Test
    void slabFlagsAreAcceptedWithOneWarningEach() {
        Flags.Parsed parsed = Flags.parse("-f", "1.25", "-n", "48", "-L", "-C", "-R", "20", "-b", "512", "-k");
        // -f and -n share one warning; -C, -R and -b are implemented, so they warn about nothing.
        assertEquals(3, parsed.warnings().size(), parsed.warnings().toString());
        assertTrue(parsed.warnings().stream().allMatch(w -> w.contains("ignored")), parsed.warnings().toString());
        assertTrue(parsed.settings().casDisabled());
        assertEquals(512, parsed.settings().listenBacklog());
        assertEquals(20, parsed.settings().reqsPerEvent());
    }

    @Test
    void requestsPerEventIsMemcachedsTwentyUnlessGivenAndMustBePositive() {
        assertEquals(Settings.DEFAULT_REQS_PER_EVENT, Flags.parse().settings().reqsPerEvent());
        assertEquals(20, Settings.DEFAULT_REQS_PER_EVENT);
        Flags.Parsed one = Flags.parse("-R", "1");
        assertEquals(1, one.settings().reqsPerEvent());
        assertTrue(one.warnings().isEmpty(), one.warnings().toString());
        assertTrue(one.settings().describe().contains("reqs_per_event 1\n"), one.settings().describe());
        assertEquals(7, Flags.parse("--max-reqs-per-event=7").settings().reqsPerEvent());
        for (String bad : List.of("0", "-3")) {
            refused("-R/--max-reqs-per-event", () -> Flags.parse("-R", bad));
        }
    }

    @Test
    void debiansStockMemcachedConfParses(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("memcached.conf");
        Files.writeString(conf, String.join("\n", "# memcached default config file", "-d",
                "logfile /var/log/memcached.log", "-m 64", "-p 11211", "-u memcache", "-l 127.0.0.1",
                "-P /var/run/memcached/memcached.pid", ""));
        Settings s = parse("@" + conf);
        assertEquals(Path.of("/var/log/memcached.log"), s.logFile());
        assertTrue(s.daemon());
        assertEquals("memcache", s.user());
        assertEquals(Path.of("/var/run/memcached/memcached.pid"), s.pidFile());
        assertTrue(s.describe().contains("logfile /var/log/memcached.log\n"), s.describe());
    }
}
