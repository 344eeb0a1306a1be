package org.bastion.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A small TLS load driver for {@code bench/compare-memcached.sh} with {@code TLS=1} (memcaslap has no TLS): each
 * connection sends batches of text requests (one set of 100 B per nine gets, keys from a fixed set of 10,000) over one
 * TLS session and reads every reply before the next batch. Prints the requests answered. Only the JDK, so it also runs
 * as a single source file:
 *
 * <pre>java bench/src/main/java/org/bastion/bench/TlsLoad.java &lt;port&gt; &lt;seconds&gt; &lt;connections&gt; &lt;ca.pem&gt;</pre>
 */
public final class TlsLoad {
    private static final int BATCH = 10;
    private static final int KEYS = 10_000;

    private TlsLoad() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long seconds = Long.parseLong(args[1]);
        int connections = Integer.parseInt(args[2]);
        SSLContext ctx = trusting(Path.of(args[3]));
        LongAdder done = new LongAdder();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            int id = i;
            Thread t = new Thread(() -> run(ctx, port, id, end, done), "load-" + i);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(seconds * 1000 + 30_000);
        }
        System.out.println(done.sum());
    }

    private static void run(SSLContext ctx, int port, int id, long end, LongAdder done) {
        byte[] value = "x".repeat(100).getBytes(StandardCharsets.US_ASCII);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            long n = id * 7919L;
            StringBuilder batch = new StringBuilder();
            while (System.nanoTime() < end) {
                batch.setLength(0);
                for (int i = 0; i < BATCH; i++, n++) {
                    String key = "key:" + (n * 2654435761L % KEYS);
                    if (i == 0) {
                        batch.append("set ").append(key).append(" 0 0 100\r\n").append(new String(value,
                                StandardCharsets.US_ASCII)).append("\r\n");
                    } else {
                        batch.append("get ").append(key).append("\r\n");
                    }
                }
                out.write(batch.toString().getBytes(StandardCharsets.US_ASCII));
                out.flush();
                int replies = 0;
                while (replies < BATCH) {
                    String line = readLine(in);
                    if (line == null) {
                        return;
                    }
                    if (line.equals("END") || line.equals("STORED")) {
                        replies++;
                    }
                }
                done.add(BATCH);
            }
        } catch (IOException e) {
            System.err.println("load-" + id + ": " + e);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            if (b == '\n' && prev == '\r') {
                line.setLength(line.length() - 1);
                return line.toString();
            }
            line.append((char) b);
            prev = b;
        }
    }

    private static SSLContext trusting(Path caFile) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
