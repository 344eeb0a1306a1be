package org.bastion.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bastion.config.Audit;
import org.bastion.config.Finding;
import org.bastion.config.Flags;
import org.bastion.testing.TestCertificates;
import org.bastion.testing.TestCertificates.Issued;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit} on TLS certificates: one that expires within 30 days is a finding; a fresh one is not. */
class TlsAuditTest {
    @TempDir
    Path base;

    private static List<Finding> tlsFindings(Issued server, Issued ca) {
        return Audit.configuration(Flags.parse("-u", "nobody", "--max-conns-per-ip", "16", "-Z", "-o",
                "ssl_chain_cert=" + server.certFile() + ",ssl_key=" + server.keyFile() + ",ssl_ca_cert="
                        + ca.certFile() + ",ssl_verify_mode=2").settings(), false)
                .stream().filter(f -> f.topic().equals("tls")).toList();
    }

    @Test
    void certificatesExpiringWithin30DaysAreFound() throws Exception {
        Path dir = TestCertificates.directory(base);
        Issued ca = TestCertificates.ca(dir, "ca");
        Issued soon = TestCertificates.server(dir, ca, "soon", "soon", Duration.ofDays(10));
        Issued fresh = TestCertificates.server(dir, ca, "fresh", "fresh", Duration.ofDays(90));
        List<Finding> found = tlsFindings(soon, ca);
        assertEquals(1, found.size(), found.toString());
        assertEquals(Finding.Severity.MEDIUM, found.get(0).severity());
        assertTrue(found.get(0).problem().contains("ssl_chain_cert " + soon.certFile() + " expires on"),
                found.get(0).problem());
        assertEquals(List.of(), tlsFindings(fresh, ca));
    }
}
