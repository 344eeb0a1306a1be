package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.OpenSsl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.bastion.testing.TestCertificates;
import org.bastion.testing.TestCertificates.Issued;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar serves TLS with the OpenSSL engine from its bundled native library (where the platform has one), says
 * so at start-up, and a real SIGHUP reloads the certificates: new connections get the new one, open ones go on.
 */
class TlsJarIT {
    @TempDir
    Path base;

    @Test
    void theJarServesTlsAndSighupReloadsTheCertificates() throws Exception {
        Path dir = TestCertificates.directory(base);
        Issued ca = TestCertificates.ca(dir, "ca");
        Issued one = TestCertificates.server(dir, ca, "one", "bastion-one", Duration.ofDays(30));
        Issued two = TestCertificates.server(dir, ca, "two", "bastion-two", Duration.ofDays(30));
        Path chain = dir.resolve("live.crt");
        Path key = dir.resolve("live.key");
        Files.copy(one.certFile(), chain);
        Files.copy(one.keyFile(), key);
        SSLContext client = TestCertificates.clientContext(ca, null);
        try (Jar.Server server = new Jar.Server(Jar.asThisUser("-p", "0", "-m", "16", "-t", "1", "-Z", "-o",
                "ssl_chain_cert=" + chain + ",ssl_key=" + key))) {
            String engine = OpenSsl.isAvailable() ? "openssl" : "jdk";
            server.awaitLine(Pattern.compile("TLS with " + engine + " .*certificate CN=bastion-one"), 30);
            assertEquals("CN=bastion-one", subject(client, server.port));
            try (WireClient open = WireClient.over(handshake(client, server.port))) {
                assertEquals("STORED", open.call("set k 0 0 1\r\na\r\n"));
                Files.copy(two.certFile(), chain, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(two.keyFile(), key, StandardCopyOption.REPLACE_EXISTING);
                Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).inheritIO().start();
                assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
                server.awaitLine(Pattern.compile("SIGHUP: reloaded the TLS certificates"), 30);
                assertEquals("CN=bastion-two", subject(client, server.port));
                assertEquals("VALUE k 0 1\r\na\r\nEND\r\n", open.call("get k\r\n", "END\r\n"));
            }
        }
    }

    private static SSLSocket handshake(SSLContext ctx, int port) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(WireClient.LOCAL, port);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private static String subject(SSLContext ctx, int port) throws IOException {
        try (SSLSocket s = handshake(ctx, port)) {
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }
}
