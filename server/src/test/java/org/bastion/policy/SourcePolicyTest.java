package org.bastion.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.bastion.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.bastion.policy.ConnectionLimits;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.SourcePolicy;

/** The policy objects on their own: address matching, caps and the security log's rate limit. */
class SourcePolicyTest {
    @TempDir
    Path dir;

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void withoutRulesOnlyLoopbackIsAdmitted() throws Exception {
        SourcePolicy p = new SourcePolicy(Settings.builder().build());
        assertFalse(p.listedOnly());
        assertTrue(p.admits(ip("127.0.0.1")));
        assertTrue(p.admits(ip("127.9.8.7")));
        assertTrue(p.admits(ip("::1")));
        assertFalse(p.admits(ip("10.0.0.1")));
        assertFalse(p.admits(ip("192.168.1.1")));
        assertFalse(p.admits(ip("::2")));
        assertFalse(p.admits(null));
    }

    @Test
    void rulesAdmitOnlyWhatTheyListInBothFamilies() throws Exception {
        SourcePolicy p = new SourcePolicy(Settings.builder().listen("0.0.0.0")
                .allow("10.1.0.0/16,fd00::/8").build());
        assertTrue(p.admits(ip("10.1.200.3")));
        assertFalse(p.admits(ip("10.2.0.1")));
        assertTrue(p.admits(ip("fd12::5")));
        assertFalse(p.admits(ip("fe80::1")));
        assertFalse(p.admits(ip("127.0.0.1")), "with rules, loopback is not implied");
    }

    /** Issue 15 item 14: {@code --allow ::ffff:127.0.0.1/128} means 127.0.0.1, however the source is written. */
    @Test
    void ipv4MappedRulesAdmitTheIpv4Address() throws Exception {
        SourcePolicy p = new SourcePolicy(Settings.builder().allow("::ffff:127.0.0.1/128,::ffff:10.1.0.0/112")
                .readOnlyFrom("::ffff:127.0.0.1").build());
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        assertTrue(p.admits(ip("127.0.0.1")));
        assertTrue(p.admits(java.net.Inet6Address.getByAddress(null, mapped, -1)), "a mapped IPv6 source");
        assertTrue(p.admits(ip("10.1.44.5")));
        assertFalse(p.admits(ip("127.0.0.2")));
        assertFalse(p.admits(ip("10.2.0.1")));
        assertFalse(p.admits(ip("::1")));
        assertTrue(p.readOnly(ip("127.0.0.1")));
    }

    @Test
    void readOnlyRulesMatchTheirNetworksOnly() throws Exception {
        SourcePolicy p = new SourcePolicy(Settings.builder().readOnlyFrom("127.0.0.2/32,::1").build());
        assertTrue(p.readOnly(ip("127.0.0.2")));
        assertTrue(p.readOnly(ip("::1")));
        assertFalse(p.readOnly(ip("127.0.0.1")));
        assertFalse(p.readOnly(null));
    }

    @Test
    void allowFileAloneDefinesTheListAndAnEmptyFileAdmitsNobody() throws Exception {
        Path file = dir.resolve("allow");
        Files.writeString(file, "\n# nobody yet\n   \n");
        SourcePolicy p = new SourcePolicy(Settings.builder().allowFile(file).build());
        assertTrue(p.listedOnly());
        assertFalse(p.admits(ip("127.0.0.1")));
        Files.writeString(file, " 127.0.0.1 # a bare address is one host\n::1/128\n");
        assertTrue(p.reloadAllowFile());
        assertEquals(2, p.allowFileRules().size());
        assertTrue(p.admits(ip("127.0.0.1")));
        assertFalse(p.admits(ip("127.0.0.2")));
        assertTrue(p.admits(ip("::1")));
    }

    @Test
    void reloadWithoutAnAllowFileChangesNothing() throws Exception {
        SourcePolicy p = new SourcePolicy(Settings.builder().allow("127.0.0.1/32").build());
        assertFalse(p.reloadAllowFile());
        assertTrue(p.admits(ip("127.0.0.1")));
    }

    @Test
    void connectionLimitsCountTotalAndPerSourceAndGiveSlotsBack() throws Exception {
        AtomicLong open = new AtomicLong();
        ConnectionLimits limits = new ConnectionLimits(3, 2, open);
        InetAddress a = ip("10.0.0.1");
        InetAddress b = ip("10.0.0.2");
        assertEquals(ConnectionLimits.Verdict.ADMITTED, limits.tryAcquire(a));
        assertEquals(ConnectionLimits.Verdict.ADMITTED, limits.tryAcquire(a));
        assertEquals(ConnectionLimits.Verdict.OVER_SOURCE, limits.tryAcquire(a));
        assertEquals(2, open.get(), "a refused connection holds no slot");
        assertEquals(ConnectionLimits.Verdict.ADMITTED, limits.tryAcquire(b));
        assertEquals(ConnectionLimits.Verdict.OVER_TOTAL, limits.tryAcquire(b));
        limits.release(a);
        assertEquals(1, limits.heldBy(a));
        assertEquals(ConnectionLimits.Verdict.ADMITTED, limits.tryAcquire(b));
        assertEquals(2, limits.heldBy(b));
        limits.release(a);
        limits.release(b);
        limits.release(b);
        assertEquals(0, open.get());
        assertEquals(0, limits.heldBy(a));
    }

    @Test
    void securityLogWritesOncePerWindowPerSourceAndKind() throws Exception {
        SecurityLog log = new SecurityLog();
        InetAddress a = ip("10.0.0.1");
        assertTrue(log.event(SecurityLog.Kind.DENIED_SOURCE, a, "first"));
        assertFalse(log.event(SecurityLog.Kind.DENIED_SOURCE, a, "again within a minute"));
        assertTrue(log.event(SecurityLog.Kind.DENIED_SOURCE, ip("10.0.0.2"), "another source"));
        assertTrue(log.event(SecurityLog.Kind.REQUEST_TIMEOUT, a, "another kind"));
        SecurityLog fast = new SecurityLog(0);
        assertTrue(fast.event(SecurityLog.Kind.DENIED_SOURCE, a, "1"));
        assertTrue(fast.event(SecurityLog.Kind.DENIED_SOURCE, a, "2"));
    }
}
