package org.bastion.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code -Z}, memcached's {@code -o ssl_*} options and {@code -l notls:}: what parses and what names its option. */
class TlsSettingsTest {
    @TempDir
    Path dir;
    String cert;
    String key;

    @BeforeEach
    void files() throws IOException {
        // Only whether they can be read is checked here; their content is the server's to judge (TlsTest).
        cert = Files.writeString(dir.resolve("c.pem"), "cert").toString();
        key = Files.writeString(dir.resolve("k.pem"), "key").toString();
    }

    private static String refused(String... args) {
        return assertThrows(SettingsException.class, () -> Flags.parse(args)).getMessage();
    }

    @Test
    void aUnixSocketTakesNoTls() {
        assertTrue(refused("-Z", "-o", "ssl_chain_cert=" + cert, "-s", "/tmp/b.sock")
                .startsWith("-s/--unix-socket: TLS (-Z) is for TCP listeners"));
    }

    @Test
    void memcachedsOptionsParse() {
        TlsSettings tls = Flags.parse("-Z", "-o", "ssl_chain_cert=" + cert + ",ssl_key=" + key + ",ssl_ca_cert=" + cert
                + ",ssl_verify_mode=2,ssl_min_version=tlsv1.3,ssl_ciphers=ECDHE-RSA-AES128-GCM-SHA256,ssl_engine=jdk")
                .settings().tls();
        assertTrue(tls.enabled());
        assertEquals(Path.of(cert), tls.chainCert());
        assertEquals(2, tls.verifyMode());
        assertEquals(3, tls.verifyModeBits(), "memcached reports OpenSSL's flag bits");
        assertTrue(tls.requiresClientCertificate());
        assertEquals(List.of("TLSv1.3"), tls.protocols());
        assertEquals("ECDHE-RSA-AES128-GCM-SHA256", tls.ciphers());
        assertEquals(TlsSettings.Engine.JDK, tls.engine());
        assertEquals(3, Flags.parse("-Z", "-o", "ssl_chain_cert=" + cert + ",ssl_min_version=3").settings().tls()
                .minVersion(), "memcached 1.6.18's numeric form");
        assertEquals(Path.of(cert), Flags.parse("-Z", "-o", "ssl_chain_cert=" + cert).settings().tls().keyFile(),
                "the key may be in the chain file");
    }

    @Test
    void badValuesNameTheirOption() {
        String c = "ssl_chain_cert=" + cert;
        assertTrue(refused("-Z").startsWith("-Z/--enable-ssl: "));
        assertTrue(refused("-Z", "-o", c + ",ssl_verify_mode=4").startsWith("-o ssl_verify_mode: 4 is not"));
        assertTrue(refused("-Z", "-o", c + ",ssl_verify_mode=x").startsWith("-o ssl_verify_mode: 'x'"));
        assertTrue(refused("-Z", "-o", c + ",ssl_verify_mode=2").contains("ssl_ca_cert"));
        assertTrue(refused("-Z", "-o", c + ",ssl_min_version=1").contains("RFC 8996"));
        assertTrue(refused("-Z", "-o", c + ",ssl_min_version=tlsv9").startsWith("-o ssl_min_version: 'tlsv9'"));
        assertTrue(refused("-Z", "-o", c + ",ssl_engine=gnutls").startsWith("-o ssl_engine: "));
        assertTrue(refused("-Z", "-o", c + ",ssl_kernel_tls").startsWith("-o ssl_kernel_tls: "));
        assertTrue(refused("-Z", "-o", c + ",ssl_keyformat=2").startsWith("-o ssl_keyformat: "));
        assertTrue(refused("-Z", "-o", c + ",ssl_bogus=1").contains("unknown option 'ssl_bogus'"));
        assertTrue(refused("-Z", "-o", "ssl_chain_cert=" + dir.resolve("missing.pem"))
                .startsWith("-o ssl_chain_cert: no such file"));
    }

    @Test
    void sslOptionsWithoutZWarn() {
        Flags.Parsed parsed = Flags.parse("-o", "ssl_chain_cert=" + cert);
        assertFalse(parsed.settings().tls().enabled());
        assertTrue(parsed.warnings().stream().anyMatch(w -> w.contains("without -Z")), parsed.warnings().toString());
    }

    @Test
    void listenersAsMemcachedWritesThem() {
        assertEquals(new Listener("127.0.0.1", 11222, false), Listener.parse("notls:127.0.0.1:11222"));
        assertEquals(new Listener("127.0.0.1", -1, true), Listener.parse("127.0.0.1"));
        assertEquals(new Listener("::1", -1, true), Listener.parse("::1"));
        assertEquals(new Listener("::1", 11300, false), Listener.parse("notls:[::1]:11300"));
        assertEquals(new Listener("::1", -1, true), Listener.parse("[::1]"));
        assertTrue(assertThrows(SettingsException.class, () -> Listener.parse("127.0.0.1:99999")).getMessage()
                .startsWith("-l/--listen: "));
        assertTrue(assertThrows(SettingsException.class, () -> Flags.parse("-l", "notls:")).getMessage()
                .startsWith("-l/--listen: "));
    }

    @Test
    void auditFindsClearTextBeyondLoopback() {
        List<Finding> plain = Audit.configuration(Flags.parse("-l", "10.0.0.1", "--allow", "10.0.0.0/24")
                .settings(), false);
        assertTrue(plain.stream().anyMatch(f -> f.topic().equals("tls") && f.severity() == Finding.Severity.HIGH),
                plain.toString());
        List<Finding> notls = Audit.configuration(Flags.parse("-Z", "-o", "ssl_chain_cert=" + cert, "-l",
                "notls:10.0.0.1:11300", "--allow", "10.0.0.0/24").settings(), false);
        assertTrue(notls.stream().anyMatch(f -> f.topic().equals("tls") && f.problem().contains("without TLS")),
                notls.toString());
        List<Finding> loopback = Audit.configuration(Flags.parse().settings(), false);
        assertFalse(loopback.stream().anyMatch(f -> f.topic().equals("tls")), loopback.toString());
    }
}
