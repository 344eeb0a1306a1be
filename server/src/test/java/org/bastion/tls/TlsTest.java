package org.bastion.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.spotify.folsom.AsciiMemcacheClient;
import com.spotify.folsom.MemcacheClientBuilder;
import com.spotify.folsom.client.tls.DefaultSSLEngineFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.bastion.config.Settings;
import org.bastion.config.TlsSettings;
import org.bastion.testing.TestCertificates;
import org.bastion.testing.TestCertificates.Issued;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code -Z} end to end: real TLS clients (JDK, folsom, openssl s_client) and plain ones against a running server. */
class TlsTest {
    @TempDir
    static Path base;
    static Path dir;
    static Issued ca;
    static Issued server;

    @BeforeAll
    static void certificates() throws Exception {
        dir = TestCertificates.directory(base);
        ca = TestCertificates.ca(dir, "test-ca");
        server = TestCertificates.server(dir, ca, "server", "bastion-one", Duration.ofDays(90));
    }

    static TlsSettings.Builder tls() {
        return TlsSettings.builder().enabled(true).chainCert(server.certFile()).key(server.keyFile());
    }

    static Server start(TlsSettings.Builder tls, String listen) {
        return Server.start(Settings.builder().port(0).threads(1).listen(listen).tls(tls.build()).build());
    }

    static SSLContext trusting() {
        return TestCertificates.clientContext(ca, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void aSessionOverTlsWithEachEngine(String engine) throws IOException {
        try (Server s = start(tls().engine(engine), "127.0.0.1");
                WireClient c = TlsClients.connect(trusting(), s.port())) {
            assertEquals("STORED", c.call("set greeting 0 0 5\r\nhello\r\n"));
            assertEquals("VALUE greeting 0 5\r\nhello\r\nEND\r\n", c.call("get greeting\r\n", "END\r\n"));
            String settings = c.call("stats settings\r\n", "END\r\n");
            assertTrue(settings.contains("STAT ssl_enabled yes\r\n"), settings);
            assertTrue(settings.contains("STAT ssl_engine " + engine + "\r\n"), settings);
            assertTrue(settings.contains("STAT ssl_chain_cert " + server.certFile() + "\r\n"), settings);
            assertTrue(settings.contains("STAT ssl_min_version tlsv1.2\r\n"), settings);
            assertTrue(c.call("stats\r\n", "END\r\n").contains("STAT ssl_handshake_errors 0\r\n"));
        }
    }

    @Test
    void aPlainClientOnATlsListenerIsClosedAndNothingItSentIsServed() throws IOException {
        try (Server s = start(tls(), "127.0.0.1")) {
            try (WireClient plain = WireClient.connect(s.port())) {
                plain.send("set smuggled 0 0 1\r\nx\r\n");
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                assertTrue(plain.closedByPeer(received));
                assertFalse(received.toString(StandardCharsets.ISO_8859_1).contains("STORED"));
            }
            try (WireClient c = TlsClients.connect(trusting(), s.port())) {
                assertEquals("END", c.call("get smuggled\r\n"));
                assertTrue(c.call("stats\r\n", "END\r\n").contains("STAT ssl_handshake_errors 1\r\n"));
            }
        }
    }

    @Test
    void aNotlsListenerStaysPlain() throws IOException {
        try (Server s = start(tls(), "127.0.0.1,notls:127.0.0.1:0")) {
            int tlsPort = s.addresses().get(0).getPort();
            int plainPort = s.addresses().get(1).getPort();
            try (WireClient plain = WireClient.connect(plainPort)) {
                assertEquals("STORED", plain.call("set k 0 0 1\r\nv\r\n"));
            }
            try (WireClient c = TlsClients.connect(trusting(), tlsPort)) {
                assertEquals("VALUE k 0 1\r\nv\r\nEND\r\n", c.call("get k\r\n", "END\r\n"));
            }
            // and TLS is not served on the plain listener
            assertFalse(TlsClients.served(trusting(), plainPort, null));
        }
    }

    @Test
    void requiredClientCertificates() throws Exception {
        Issued alice = TestCertificates.client(dir, ca, "alice", "alice@example.org", "alice.clients.example.org");
        Issued otherCa = TestCertificates.ca(dir, "other-ca");
        Issued mallory = TestCertificates.client(dir, otherCa, "mallory", "m@example.org", "mallory.example.org");
        try (Server s = start(tls().caCert(ca.certFile()).verifyMode(2), "127.0.0.1")) {
            assertFalse(TlsClients.served(trusting(), s.port(), null), "no client certificate");
            assertFalse(TlsClients.served(TestCertificates.clientContext(ca, mallory), s.port(), null),
                    "a certificate from another CA");
            assertTrue(TlsClients.served(alice.clientContext(ca), s.port(), null));
            try (WireClient c = TlsClients.connect(trusting(), s.port())) {
                fail(c);
            } catch (IOException refused) {
                // refused in the handshake (TLS 1.2) is as good as refused at the first read (TLS 1.3)
            }
            try (WireClient c = TlsClients.connect(alice.clientContext(ca), s.port())) {
                String settings = c.call("stats settings\r\n", "END\r\n");
                assertTrue(settings.contains("STAT ssl_verify_mode 3\r\n"), settings);
                assertTrue(settings.contains("STAT ssl_ca_cert " + ca.certFile() + "\r\n"), settings);
                assertTrue(c.call("stats\r\n", "END\r\n").contains("STAT ssl_handshake_errors 3\r\n"));
            }
        }
    }

    /**
     * Mutual TLS as identity: with a users file, a verified client certificate whose name is a user signs the
     * connection in as that user (its role applies, no password login); a certificate naming nobody in the file
     * leaves the connection to log in like any other.
     */
    @Test
    void aClientCertificateNamingAUserSignsItIn() throws Exception {
        Issued alice = TestCertificates.client(dir, ca, "alice", "alice@example.org", "alice.clients.example.org");
        Issued carol = TestCertificates.client(dir, ca, "carol", "carol@example.org", "carol.clients.example.org");
        Path users = dir.resolve("users");
        java.nio.file.Files.writeString(users, "alice:not-used-over-tls role=readonly\nbob:secret\n");
        Settings settings = Settings.builder().port(0).threads(1).listen("127.0.0.1").usersFile(users)
                .tls(tls().caCert(ca.certFile()).verifyMode(2).build()).build();
        try (Server s = Server.start(settings)) {
            try (WireClient c = TlsClients.connect(alice.clientContext(ca), s.port())) {
                assertEquals("END\r\n", c.call("get k\r\n", "END\r\n"), "alice reads without a login");
                assertEquals("CLIENT_ERROR access denied\r\n", c.call("set k 0 0 1\r\nx\r\n", "\r\n"),
                        "and her read-only role applies");
            }
            try (WireClient c = TlsClients.connect(carol.clientContext(ca), s.port())) {
                assertEquals("CLIENT_ERROR unauthenticated\r\n", c.call("get k\r\n", "\r\n"),
                        "carol is not a user: she must log in");
                assertEquals("STORED\r\n", c.call("set a 0 0 10\r\nbob secret\r\n", "\r\n"));
                assertEquals("STORED\r\n", c.call("set k 0 0 1\r\nx\r\n", "\r\n"), "as bob, who may write");
            }
        }
    }

    /** A refused client may still complete its side of a TLS 1.3 handshake: its first read must then fail. */
    private static void fail(WireClient c) throws IOException {
        c.send("version\r\n");
        String line = c.readLine();
        assertEquals(null, line, "a client without a certificate was answered");
    }

    @Test
    void refreshCertsServesTheNewCertificateToNewConnectionsWhileOpenOnesGoOn() throws Exception {
        Path chain = dir.resolve("refresh.crt");
        Path key = dir.resolve("refresh.key");
        Files.copy(server.certFile(), chain, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(server.keyFile(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Issued two = TestCertificates.server(dir, ca, "server-two", "bastion-two", Duration.ofDays(90));
        try (Server s = start(TlsSettings.builder().enabled(true).chainCert(chain).key(key), "127.0.0.1");
                WireClient open = TlsClients.connect(trusting(), s.port())) {
            assertEquals("STORED", open.call("set k 0 0 1\r\na\r\n"));
            assertEquals("CN=bastion-one", peerName(s.port()));
            Files.copy(two.certFile(), chain, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(two.keyFile(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertEquals("OK", open.call("refresh_certs\r\n"));
            assertEquals("CN=bastion-two", peerName(s.port()));
            assertEquals("VALUE k 0 1\r\na\r\nEND\r\n", open.call("get k\r\n", "END\r\n"), "the open session goes on");
            // A broken file: memcached's error line, and the certificate in use stays.
            Files.writeString(chain, "not a certificate\n");
            assertEquals("Error loading the certificate chain: " + chain + " : no PEM certificate"
                    + " (-----BEGIN CERTIFICATE-----) in the file", open.call("refresh_certs noreply\r\n"));
            assertEquals("CN=bastion-two", peerName(s.port()));
            assertTrue(open.call("stats\r\n", "END\r\n").contains("STAT time_since_server_cert_refresh "));
        }
    }

    @Test
    void refreshCertsIsRefusedToReadOnlySourcesAndWithoutTls() throws Exception {
        Settings readOnly = Settings.builder().port(0).threads(1).readOnlyFrom("127.0.0.2/32").tls(tls().build())
                .build();
        try (Server s = Server.start(readOnly);
                WireClient c = TlsClients.connect(trusting(), s.port(), WireClient.OTHER_SOURCE, null)) {
            assertEquals("CLIENT_ERROR access denied", c.call("refresh_certs\r\n"));
        }
        try (Server s = Server.start(Settings.builder().port(0).threads(1).build());
                WireClient c = WireClient.connect(s.port())) {
            assertEquals("Error TLS not enabled", c.call("refresh_certs\r\n"));
        }
    }

    private static String peerName(int port) throws IOException {
        try (SSLSocket s = (SSLSocket) trusting().getSocketFactory().createSocket(WireClient.LOCAL, port)) {
            s.startHandshake();
            return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0])
                    .getSubjectX500Principal().getName();
        }
    }

    @Test
    void folsomOverTls() throws Exception {
        try (Server s = start(tls(), "127.0.0.1")) {
            AsciiMemcacheClient<byte[]> client = MemcacheClientBuilder.newByteArrayClient()
                    .withAddress(WireClient.LOCAL, s.port())
                    .withSSLEngineFactory(new DefaultSSLEngineFactory(trusting(), false))
                    .connectAscii();
            try {
                client.awaitConnected(10, TimeUnit.SECONDS);
                client.set("folsom", "over tls".getBytes(StandardCharsets.UTF_8), 0).toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
                assertEquals("over tls", new String(client.get("folsom").toCompletableFuture().get(10,
                        TimeUnit.SECONDS), StandardCharsets.UTF_8));
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void opensslSClientSession() throws Exception {
        try (Server s = start(tls(), "127.0.0.1")) {
            Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + s.port(), "-CAfile",
                    ca.certFile().toString(), "-verify_return_error", "-verify_ip", "127.0.0.1", "-quiet")
                    .redirectErrorStream(true).start();
            p.getOutputStream().write("set s 0 0 2\r\nok\r\nget s\r\nquit\r\n".getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().flush();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "openssl s_client did not end after quit");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(out.contains("STORED\r\nVALUE s 0 2\r\nok\r\nEND\r\n"), out);
        }
    }

    @Test
    void badCertificatesStopTheStartWithOneLineNamingTheOption() throws Exception {
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> start(TlsSettings.builder().enabled(true).chainCert(garbage).key(server.keyFile()), "127.0.0.1"));
        assertTrue(e.getMessage().startsWith("-o ssl_chain_cert: Error loading the certificate chain: " + garbage),
                e.getMessage());
        Issued other = TestCertificates.server(dir, ca, "other", "other", Duration.ofDays(9));
        e = assertThrows(IllegalStateException.class,
                () -> start(TlsSettings.builder().enabled(true).chainCert(server.certFile()).key(other.keyFile()),
                        "127.0.0.1"));
        assertTrue(e.getMessage().startsWith("-o ssl_key: Error validating the certificate"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> start(tls().ciphers("HIGH:!aNULL"), "127.0.0.1"));
        assertTrue(e.getMessage().startsWith("-o ssl_ciphers: 'HIGH'"), e.getMessage());
    }
}
