package org.bastion.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.bastion.policy.SecurityLog;

/** One line per source and kind per rate window; every event counted. */
class SecurityLogTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final List<String> lines = new ArrayList<>();
    private final SecurityLog log = new SecurityLog(1_000_000, now::get, lines::add);

    @Test
    void logsOncePerWindowPerSourceAndKind() throws Exception {
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertTrue(log.event(SecurityLog.Kind.DENIED_SOURCE, a, "closed unread"));
        for (int i = 0; i < 100; i++) {
            now.addAndGet(1_000);
            assertFalse(log.event(SecurityLog.Kind.DENIED_SOURCE, a, "closed unread"));
        }
        assertTrue(log.event(SecurityLog.Kind.DENIED_SOURCE, b, "closed unread"), "another source has its own window");
        assertTrue(log.event(SecurityLog.Kind.OVERSIZE_LINE, a, "closed"), "another kind has its own window");
        now.addAndGet(1_000_000);
        assertTrue(log.event(SecurityLog.Kind.DENIED_SOURCE, a, "closed unread"), "a new window logs again");
        assertEquals(List.of("security event=denied_source source=192.0.2.1 closed unread",
                "security event=denied_source source=192.0.2.2 closed unread",
                "security event=oversize_line source=192.0.2.1 closed",
                "security event=denied_source source=192.0.2.1 closed unread"), lines);
        assertEquals(103, log.count(SecurityLog.Kind.DENIED_SOURCE).sum(), "suppressed events are still counted");
        assertEquals(1, log.count(SecurityLog.Kind.OVERSIZE_LINE).sum());
    }

    @Test
    void everyKindHasAMeterReason() {
        assertEquals("allowlist", SecurityLog.Kind.DENIED_SOURCE.label());
        assertEquals("global_cap", SecurityLog.Kind.CONNECTION_CAP.label());
        assertEquals("per_source_cap", SecurityLog.Kind.PER_SOURCE_CAP.label());
        assertEquals("read_only", SecurityLog.Kind.READ_ONLY_VIOLATION.label());
        assertEquals("timeout", SecurityLog.Kind.REQUEST_TIMEOUT.label());
        assertEquals("auth_failure", SecurityLog.Kind.AUTH_FAILURE.label());
    }

    @Test
    void defaultSinkIsTheSlf4jSecurityLogger() {
        assertEquals("org.bastion.security", SecurityLog.LOGGER_NAME);
        // Through slf4j-simple on the test class path: must not throw, and returns true for a first event.
        assertTrue(new SecurityLog().event(SecurityLog.Kind.AUTH_FAILURE, null, "test line"));
    }
}
