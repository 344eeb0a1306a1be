package org.bastion.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.bastion.testing.WireClient;

/** A plain JDK {@link SSLSocket} client for the TLS tests, checking the server's name as a real client would. */
final class TlsClients {
    private TlsClients() {
    }

    /**
     * Connects to 127.0.0.1:port (from {@code source} when not null) and completes the handshake.
     *
     * @param protocols the only TLS versions offered (all the context's when empty)
     * @param suites the only cipher suites offered, or null
     */
    static WireClient connect(SSLContext ctx, int port, String source, String[] suites, String... protocols)
            throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
        try {
            if (source != null) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(source, 0));
            }
            s.connect(new InetSocketAddress(WireClient.LOCAL, port), 5000);
            s.setSoTimeout(10_000);
            if (protocols.length > 0) {
                s.setEnabledProtocols(protocols);
            }
            if (suites != null) {
                s.setEnabledCipherSuites(suites);
            }
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
            s.setSSLParameters(p);
            s.startHandshake();
            return WireClient.over(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    static WireClient connect(SSLContext ctx, int port) throws IOException {
        return connect(ctx, port, null, null);
    }

    /**
     * Whether a session with these client settings is served: handshake, then {@code version} answered. With TLS 1.3 a
     * refused client certificate shows only at the first read, so both count as refused.
     */
    static boolean served(SSLContext ctx, int port, String[] suites, String... protocols) {
        try (WireClient c = connect(ctx, port, null, suites, protocols)) {
            c.send("version\r\n");
            String line = c.readLine();
            return line != null && line.startsWith("VERSION ");
        } catch (IOException e) {
            return false;
        }
    }
}
