package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.bastion.cli.HostileLoadIT.Layer;
import org.bastion.testing.TestCertificates;
import org.bastion.testing.TestCertificates.Issued;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HostileLoadIT}'s clients that never read, over TLS ({@code -Z}). Two things held memory the output budget
 * could not free there: a connection the budget closed first tried to send its TLS close_notify and, its client not
 * reading, waited three seconds for it, holding its replies meanwhile (90 of 93 closed connections were still open);
 * and the pool's per-thread caches kept TLS records beyond what the budget counted. 100 to 400 such clients ended the
 * process with {@code OutOfMemoryError} against 32 MiB of direct memory.
 */
class TlsHostileLoadIT {
    private static final int HOGS = 300;

    @TempDir
    Path base;

    @Test
    void manyTlsClientsThatNeverReadAreBoundedInTotal() throws Exception {
        Path dir = TestCertificates.directory(base);
        Issued ca = TestCertificates.ca(dir, "ca");
        Issued cert = TestCertificates.server(dir, ca, "server", "bastion", Duration.ofDays(1));
        SSLContext client = TestCertificates.clientContext(ca, null);
        Layer tls = plain -> {
            SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(plain, "127.0.0.1", plain.getPort(), true);
            s.startHandshake();
            return s;
        };
        String[] args = {"-u", "nobody", "-p", "0", "-m", "64", "-Z", "-o",
            "ssl_chain_cert=" + cert.certFile() + ",ssl_key=" + cert.keyFile()};
        try (Jar.Server server = new Jar.Server(
                Jar.builder(List.of("-Xmx160m", "-XX:MaxDirectMemorySize=32m"), args), args)) {
            HostileLoadIT.fill(server.port, 100, tls);
            byte[] request = HostileLoadIT.getOfTheHundred();
            List<Socket> hogs = new ArrayList<>();
            try {
                for (int i = 0; i < HOGS; i++) {
                    Socket plain = new Socket();
                    plain.setReceiveBufferSize(4096);
                    plain.bind(new java.net.InetSocketAddress(HostileLoadIT.ATTACKER, 0));
                    plain.connect(new java.net.InetSocketAddress("127.0.0.1", server.port), 5000);
                    plain.setSoTimeout(30_000);
                    // The plain socket is kept to close: a TLS close would first try to say close_notify.
                    hogs.add(plain);
                    try {
                        Socket hog = tls.over(plain);
                        hog.getOutputStream().write(request);
                        hog.getOutputStream().flush();
                    } catch (IOException e) {
                        throw new AssertionError("hog " + i + " could not connect (" + e + "); server alive: "
                                + server.process.isAlive() + "; its output: " + server.errText(), e);
                    }
                }
                server.awaitLine(Pattern.compile("security event=stalled_output"), 30);
                for (int i = 0; i < 10; i++) {
                    try {
                        HostileLoadIT.assertServed(server.port, "get big1\r\n", "END\r\n", tls);
                    } catch (IOException e) {
                        throw new AssertionError("the bystander was not served (" + e + "); server alive: "
                                + server.process.isAlive() + "; its output: " + server.errText(), e);
                    }
                }
            } finally {
                for (Socket hog : hogs) {
                    hog.close();
                }
            }
            HostileLoadIT.assertServed(server.port, "version\r\n", "\r\n", tls);
            HostileLoadIT.assertSurvived(server);
        }
    }
}
