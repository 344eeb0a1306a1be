package org.bastion.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bastion.config.Finding.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditTest {
    private static List<Finding> audit(boolean root, String... flags) {
        return Audit.configuration(Flags.parse(flags).settings(), root);
    }

    private static Map<String, Severity> topics(List<Finding> findings) {
        return findings.stream().collect(Collectors.toMap(Finding::topic, Finding::severity, (a, b) -> a));
    }

    @Test
    void hardenedLoopbackConfigurationIsClean() {
        List<Finding> findings = audit(true, "-u", "nobody", "--max-conns-per-ip", "16");
        assertEquals(List.of(), findings);
        assertFalse(Audit.hasProblems(findings));
    }

    @Test
    void defaultsLackOnlyAPerSourceCap() {
        assertEquals(Map.of("conn-cap", Severity.LOW), topics(audit(false)));
    }

    @Test
    void aUnixSocketOpenToEveryLocalUserIsFound() {
        assertEquals(Map.of(), topics(audit(false, "-s", "/run/b.sock")), "-a 700: clean, and no source to cap");
        assertEquals(Map.of(), topics(audit(false, "-s", "/run/b.sock", "-a", "770")));
        assertEquals(Map.of(), topics(audit(false, "-s", "/run/b.sock", "-l", "0.0.0.0")), "-l opens nothing with -s");
        List<Finding> open = audit(false, "-s", "/run/b.sock", "-a", "766");
        assertEquals(Map.of("unix-socket", Severity.MEDIUM), topics(open));
        assertTrue(open.get(0).toString().contains("every local user may connect to /run/b.sock"), open.toString());
    }

    @Test
    void runningAsRoot() {
        assertEquals(Severity.HIGH, topics(audit(true, "--max-conns-per-ip", "1")).get("user"));
        assertEquals(Severity.HIGH, topics(audit(false, "--max-conns-per-ip", "1", "-u", "root")).get("user"));
        assertFalse(topics(audit(false, "--max-conns-per-ip", "1")).containsKey("user"), "not root, no -u: fine");
    }

    @Test
    void anAccountThatDoesNotExistIsFound(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path passwd = dir.resolve("passwd");
        java.nio.file.Files.writeString(passwd, "root:x:0:0::/root:/bin/sh\nbastion:x:999:999::/:/usr/sbin/nologin\n");
        Settings missing = Flags.parse("-u", "no-such-account-x7").settings();
        assertEquals(Severity.HIGH, Audit.host(missing, passwd).get(0).severity());
        assertEquals(List.of(), Audit.host(Flags.parse("-u", "bastion").settings(), passwd));
        assertEquals(List.of(), Audit.host(Flags.parse().settings(), passwd), "no -u: nothing to look up");
        assertTrue(Audit.accountExists("bastion", passwd));
        assertFalse(Audit.accountExists("bast", passwd), "a prefix of a name is not the name");
        assertTrue(Audit.accountExists("anyone", dir.resolve("missing")), "unreadable: not reported");
    }

    @Test
    void manyRequestsPerTurnLetOnePipeliningClientHoldItsEventLoop() {
        assertEquals(Severity.LOW, topics(audit(false, "-R", "100000", "--max-conns-per-ip", "1")).get("reqs-per-event"));
        assertEquals(Map.of(), topics(audit(false, "-R", "1000", "--max-conns-per-ip", "1")), "up to 1000 is fine");
        assertEquals(Map.of(), topics(audit(false, "--max-conns-per-ip", "1")), "memcached's 20 by default");
        Map<String, String> settings = Map.of("reqs_per_event", "5000");
        assertEquals(Severity.LOW, topics(Audit.exposure(null, Map.of(), settings)).get("reqs-per-event"));
        assertEquals(null, topics(Audit.exposure(null, Map.of(), Map.of("reqs_per_event", "20"))).get("reqs-per-event"));
    }

    @Test
    void wellKnownPort() {
        assertEquals(Severity.LOW, topics(audit(false, "-p", "11211", "--max-conns-per-ip", "1")).get("port"));
    }

    @Test
    void beyondLoopbackWithANarrowAllowlist() {
        Map<String, Severity> t = topics(audit(false, "-l", "0.0.0.0", "--allow", "10.1.2.0/24", "--max-conns-per-ip", "8"));
        assertEquals(Severity.MEDIUM, t.get("listen"));
        assertEquals(Severity.MEDIUM, t.get("flush_all"));
        assertFalse(t.containsKey("allow"), t.toString());
        assertFalse(t.containsKey("shutdown"), t.toString());
    }

    @Test
    void beyondLoopbackWithoutAuthenticationIsHigh(@TempDir Path dir) throws Exception {
        assertEquals(Severity.HIGH, topics(audit(false, "-l", "0.0.0.0", "--allow", "10.1.2.0/24")).get("auth"));
        Path users = dir.resolve("users");
        Files.writeString(users, "app:$pbkdf2-sha256$1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA role=readonly\n");
        Files.setPosixFilePermissions(users, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Map<String, Severity> t = topics(audit(false, "-l", "0.0.0.0", "--allow", "10.1.2.0/24", "--users",
                users.toString()));
        assertFalse(t.containsKey("auth"), t.toString());
        assertFalse(t.containsKey("users"), "hashed and private: nothing to say " + t);
    }

    @Test
    void plainPasswordsAndAReadableUsersFile(@TempDir Path dir) throws Exception {
        Path users = dir.resolve("users");
        Files.writeString(users, "# memcached's format\nalice:secret\nbob:$pbkdf2-sha256$1000$c2FsdA$aGFzaA\n");
        Files.setPosixFilePermissions(users, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        List<Finding> findings = audit(false, "--users", users.toString());
        assertEquals(1, findings.stream().filter(f -> f.topic().equals("users")).count(), findings.toString());
        Finding plain = findings.stream().filter(f -> f.topic().equals("users")).findFirst().orElseThrow();
        assertEquals(Severity.MEDIUM, plain.severity());
        assertTrue(plain.toString().contains("1 password(s)"), plain.toString());
        Files.setPosixFilePermissions(users, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        List<Finding> readable = audit(false, "--users", users.toString());
        assertTrue(readable.stream().anyMatch(f -> f.topic().equals("users") && f.severity() == Severity.HIGH
                && f.toString().contains("readable by every user")), readable.toString());
        assertTrue(audit(false, "--users", dir.resolve("missing").toString()).stream()
                .anyMatch(f -> f.topic().equals("users") && f.severity() == Severity.HIGH));
    }

    @Test
    void wideAllowlists() {
        assertEquals(Severity.HIGH, topics(audit(false, "-l", "0.0.0.0", "--allow", "0.0.0.0/0")).get("allow"));
        assertEquals(Severity.HIGH, topics(audit(false, "-l", "::", "--allow", "::/0")).get("allow"));
        assertEquals(Severity.MEDIUM, topics(audit(false, "-l", "0.0.0.0", "--allow", "10.0.0.0/7")).get("allow"));
        assertEquals(Severity.MEDIUM, topics(audit(false, "-l", "::", "--allow", "2001::/16")).get("allow"));
        assertFalse(topics(audit(false, "-l", "0.0.0.0", "--allow", "10.0.0.0/8")).containsKey("allow"));
        assertFalse(topics(audit(false, "-l", "::", "--allow", "2001:db8::/32")).containsKey("allow"));
    }

    @Test
    void noPerSourceCapMattersMoreBeyondLoopback() {
        assertEquals(Severity.MEDIUM, topics(audit(false, "-l", "0.0.0.0", "--allow", "10.0.0.0/8")).get("conn-cap"));
    }

    @Test
    void flushAllFromRemoteSourcesIsCoveredByDisablingOrByReadOnly() {
        String[] base = {"-l", "0.0.0.0", "--allow", "10.1.0.0/16", "--max-conns-per-ip", "8"};
        assertTrue(topics(audit(false, base)).containsKey("flush_all"));
        assertFalse(topics(audit(false, concat(base, "-F"))).containsKey("flush_all"));
        assertFalse(topics(audit(false, concat(base, "--read-only-from", "10.0.0.0/8"))).containsKey("flush_all"));
        assertTrue(topics(audit(false, concat(base, "--read-only-from", "10.1.2.0/24"))).containsKey("flush_all"),
                "a read-only rule narrower than the allow rule leaves writers");
        assertFalse(topics(audit(false, "-l", "0.0.0.0", "--allow", "127.0.0.0/8", "--max-conns-per-ip", "8"))
                .containsKey("flush_all"), "loopback sources only");
    }

    @Test
    void shutdownFromRemoteSources() {
        assertEquals(Severity.HIGH, topics(audit(false, "-l", "0.0.0.0", "--allow", "10.0.0.0/8", "-A")).get("shutdown"));
        assertFalse(topics(audit(false, "-A")).containsKey("shutdown"), "loopback only");
    }

    @Test
    void allowFileRulesAreJudgedToo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("allow");
        Files.writeString(file, "# clients\n10.1.2.0/24\n0.0.0.0/0   # everyone\n");
        Map<String, Severity> t = topics(audit(false, "-l", "0.0.0.0", "--allow-file", file.toString()));
        assertEquals(Severity.HIGH, t.get("allow"));
        Map<String, Severity> missing = topics(audit(false, "-l", "0.0.0.0", "--allow-file",
                dir.resolve("absent").toString()));
        assertEquals(Severity.HIGH, missing.get("allow-file"));
    }

    @Test
    void everyFindingHasAFix() {
        for (Finding f : audit(true, "-l", "0.0.0.0", "--allow", "0.0.0.0/0", "-p", "11211", "-A")) {
            assertFalse(f.fix().isBlank(), f.toString());
            assertTrue(f.render().contains("\n        fix: "), f.render());
        }
    }

    @Test
    void exposureOfAnOpenMemcached() {
        Map<String, String> stats = Map.of("pid", "1", "uptime", "5");
        Map<String, String> settings = Map.of("udpport", "11211", "tcpport", "11211", "inter", "NULL",
                "auth_enabled_sasl", "no", "maxconns", "1024", "flush_enabled", "yes", "shutdown_command", "yes",
                "dump_enabled", "yes");
        Map<String, Severity> t = topics(Audit.exposure("1.6.18", stats, settings));
        assertEquals(Map.ofEntries(Map.entry("version", Severity.INFO), Map.entry("stats", Severity.LOW),
                Map.entry("stats settings", Severity.LOW), Map.entry("udp", Severity.HIGH),
                Map.entry("listen", Severity.HIGH), Map.entry("port", Severity.LOW), Map.entry("auth", Severity.MEDIUM),
                Map.entry("maxconns", Severity.INFO), Map.entry("flush_all", Severity.MEDIUM),
                Map.entry("shutdown", Severity.HIGH), Map.entry("dumping", Severity.LOW)), t);
    }

    @Test
    void exposureWhenNothingWasDisclosed() {
        List<Finding> findings = Audit.exposure(null, Map.of(), Map.of());
        assertEquals(List.of("flush_all"), findings.stream().map(Finding::topic).toList());
        assertFalse(Audit.hasProblems(findings), "unknown is a note, not a problem");
    }

    @Test
    void exposureReadsBastionsOwnKeys() {
        Map<String, String> settings = Map.of("udpport", "0", "auth_enabled_sasl", "no", "maxconns", "50",
                "max_conns_per_ip", "8", "flush_enabled", "no", "shutdown_enabled", "no", "dump_enabled", "no");
        List<Finding> findings = Audit.exposure("1.6.18", Map.of("bastion_version", "0.1.0"), settings);
        Map<String, Severity> t = topics(findings);
        assertFalse(t.containsKey("udp") || t.containsKey("flush_all") || t.containsKey("shutdown"), t.toString());
        assertTrue(findings.stream().anyMatch(f -> f.problem().equals("at most 50 connections, per source 8")));
        assertTrue(findings.stream().anyMatch(f -> f.problem().contains("(bastion 0.1.0)")));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Issue 11: --allow 10.0.0.0/8 with the loopback listener refuses even 127.0.0.1. */
    @Test
    void anAllowListThatShutsOutTheLoopbackListenersClientsIsHigh() {
        List<Finding> findings = Audit.configuration(Settings.builder().allow("10.0.0.0/8").build(), false);
        assertTrue(findings.stream().anyMatch(f -> f.severity() == Finding.Severity.HIGH
                && f.render().contains("admits no loopback source")), findings.toString());
        List<Finding> fine = Audit.configuration(Settings.builder().allow("10.0.0.0/8").allow("127.0.0.1/32").build(),
                false);
        assertTrue(fine.stream().noneMatch(f -> f.render().contains("admits no loopback")), fine.toString());
    }

    @Test
    void snapshotDirectoryMissingUnwritableOrSnapshotStale(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        long now = System.currentTimeMillis();
        List<Finding> missing = Audit.snapshot(Flags.parse("--snapshot-file", dir.resolve("no/such/c.snap").toString())
                .settings(), now);
        assertEquals(1, missing.size(), missing.toString());
        assertTrue(missing.get(0).problem().contains("does not exist"), missing.toString());
        java.nio.file.Path file = dir.resolve("c.snap");
        assertEquals(List.of(), Audit.snapshot(Flags.parse("--snapshot-file", file.toString()).settings(), now),
                "a writable directory and no file yet is fine");
        java.nio.file.Files.writeString(file, "x");
        java.nio.file.Files.setPosixFilePermissions(file,
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Settings periodic = Flags.parse("--snapshot-file", file.toString(), "--snapshot-interval", "60").settings();
        assertEquals(List.of(), Audit.snapshot(periodic, now), "fresh");
        List<Finding> stale = Audit.snapshot(periodic, now + 600_000);
        assertEquals(1, stale.size(), stale.toString());
        assertTrue(stale.get(0).problem().contains("more than twice --snapshot-interval 60"), stale.toString());
        java.nio.file.Files.setPosixFilePermissions(file,
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(Audit.snapshot(periodic, now).get(0).problem().contains("readable by other users"));
        if (!"root".equals(System.getProperty("user.name"))) {
            java.nio.file.Path ro = dir.resolve("ro");
            java.nio.file.Files.createDirectory(ro);
            ro.toFile().setWritable(false);
            assertTrue(Audit.snapshot(Flags.parse("--snapshot-file", ro.resolve("c.snap").toString()).settings(), now)
                    .get(0).problem().contains("not writable"));
        }
    }
}
