package org.bastion.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.bastion.config.Settings;
import org.bastion.config.TlsSettings;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.TestCertificates;
import org.bastion.testing.TestCertificates.Issued;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same TLS handshake settings against Debian's {@code memcached -Z} and Bastion, with the same certificates: what
 * one serves or refuses, the other must too, and {@code refresh_certs} and {@code stats settings} read the same.
 */
class TlsDifferentialTest {
    private static final String TLS12_AES128 = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    private static final String TLS12_AES256 = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";

    @TempDir
    static Path base;
    static Issued ca;
    static Issued server;

    @BeforeAll
    static void certificates() throws Exception {
        Path dir = TestCertificates.directory(base);
        ca = TestCertificates.ca(dir, "ca");
        server = TestCertificates.server(dir, ca, "server", "localhost", Duration.ofDays(30));
    }

    /** Which of the client offers each server serves, for the given memcached -o options (which Bastion reads too). */
    private static Map<String, List<Boolean>> compare(String options, String[][] offers) throws Exception {
        String o = "ssl_chain_cert=" + server.certFile() + ",ssl_key=" + server.keyFile() + options;
        SSLContext client = TestCertificates.clientContext(ca, null);
        List<Boolean> memcached = new java.util.ArrayList<>();
        List<Boolean> bastion = new java.util.ArrayList<>();
        try (MemcachedProcess m = MemcachedProcess.start("-Z", "-o", o)) {
            for (String[] offer : offers) {
                memcached.add(TlsClients.served(client, m.port(), suites(offer), protocols(offer)));
            }
        }
        Settings settings = org.bastion.config.Flags.parse("-p", "0", "-t", "1", "-Z", "-o", o).settings();
        try (Server b = Server.start(settings)) {
            for (String[] offer : offers) {
                bastion.add(TlsClients.served(client, b.port(), suites(offer), protocols(offer)));
            }
        }
        return Map.of("memcached", memcached, "bastion", bastion);
    }

    private static String[] protocols(String[] offer) {
        return offer[0].split(",");
    }

    private static String[] suites(String[] offer) {
        return offer.length > 1 ? offer[1].split(",") : null;
    }

    @Test
    void minimumVersionTls13RefusesTls12OnBoth() throws Exception {
        String[][] offers = {{"TLSv1.2"}, {"TLSv1.3"}, {"TLSv1.3,TLSv1.2"}};
        Map<String, List<Boolean>> served = compare(",ssl_min_version=3", offers);
        assertEquals(List.of(false, true, true), served.get("memcached"));
        assertEquals(served.get("memcached"), served.get("bastion"));
    }

    @Test
    void defaultMinimumServesTls12AndTls13OnBoth() throws Exception {
        String[][] offers = {{"TLSv1.2"}, {"TLSv1.3"}, {"TLSv1.1"}};
        Map<String, List<Boolean>> served = compare("", offers);
        assertEquals(List.of(true, true, false), served.get("memcached"));
        assertEquals(served.get("memcached"), served.get("bastion"));
    }

    @Test
    void cipherListRestrictsTls12ButNotTls13OnBoth() throws Exception {
        String[][] offers = {{"TLSv1.2", TLS12_AES128}, {"TLSv1.2", TLS12_AES256}, {"TLSv1.3"}};
        Map<String, List<Boolean>> served = compare(",ssl_ciphers=ECDHE-RSA-AES128-GCM-SHA256", offers);
        assertEquals(List.of(true, false, true), served.get("memcached"));
        assertEquals(served.get("memcached"), served.get("bastion"));
    }

    @Test
    void settingsAndRefreshCertsReadTheSame() throws Exception {
        String o = "ssl_chain_cert=" + server.certFile() + ",ssl_key=" + server.keyFile() + ",ssl_verify_mode=1"
                + ",ssl_ca_cert=" + ca.certFile() + ",ssl_min_version=3";
        SSLContext client = TestCertificates.clientContext(ca, null);
        String[] names = {"ssl_enabled", "ssl_chain_cert", "ssl_key", "ssl_verify_mode", "ssl_keyformat", "ssl_ciphers",
            "ssl_ca_cert", "ssl_session_cache", "ssl_kernel_tls", "ssl_min_version"};
        String memcachedSettings;
        String memcachedRefresh;
        try (MemcachedProcess m = MemcachedProcess.start("-Z", "-o", o);
                WireClient c = TlsClients.connect(client, m.port())) {
            memcachedSettings = c.call("stats settings\r\n", "END\r\n");
            memcachedRefresh = c.call("refresh_certs\r\n");
        }
        Settings settings = org.bastion.config.Flags.parse("-p", "0", "-t", "1", "-Z", "-o", o).settings();
        try (Server b = Server.start(settings); WireClient c = TlsClients.connect(client, b.port())) {
            String bastionSettings = c.call("stats settings\r\n", "END\r\n");
            for (String name : names) {
                assertEquals(line(memcachedSettings, name), line(bastionSettings, name), name);
            }
            assertEquals(memcachedRefresh, c.call("refresh_certs\r\n"));
        }
        assertEquals("OK", memcachedRefresh);
        assertTrue(memcachedSettings.contains("STAT ssl_verify_mode 1\r\n"), memcachedSettings);
        assertFalse(TlsSettings.off().enabled());
    }

    private static String line(String stats, String name) {
        for (String l : stats.split("\r\n")) {
            if (l.startsWith("STAT " + name + " ")) {
                return l;
            }
        }
        return null;
    }
}
