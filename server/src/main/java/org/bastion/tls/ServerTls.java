package org.bastion.tls;

import java.util.function.Function;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.policy.User;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.bastion.config.TlsSettings;
import org.bastion.stats.Stats;

/**
 * The server's TLS: the engine (OpenSSL through netty-tcnative's BoringSSL where available, else the JDK's), and the
 * current context built from {@code -o ssl_*}. {@link #refresh()} ({@code refresh_certs}, SIGHUP) swaps the context
 * for new connections; open ones keep the session they have. Errors read as memcached 1.6.18's.
 */
public final class ServerTls {
    /** TLS 1.3's suites, which memcached's {@code ssl_ciphers} (OpenSSL's TLS 1.2 cipher list) does not restrict. */
    private static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    private final TlsSettings settings;
    private final Stats stats;
    private final SslProvider provider;
    private final List<String> ciphers;
    private final long handshakeTimeoutMillis;
    private volatile SslContext context;
    private volatile X509Certificate serverCertificate;
    /** Who a verified client certificate's name is: a user of the users file, or null (no users file: nobody). */
    private volatile Function<String, User> identities = name -> null;

    private ServerTls(TlsSettings settings, Stats stats, SslProvider provider, List<String> ciphers,
            long handshakeTimeoutMillis) {
        this.settings = settings;
        this.stats = stats;
        this.provider = provider;
        this.ciphers = ciphers;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    /**
     * Loads the certificates and builds the first context.
     *
     * @param handshakeTimeoutSeconds a connection that has not finished its handshake by then is closed
     * @throws IllegalStateException with one line naming the option when a file or value is unusable
     */
    public static ServerTls start(TlsSettings settings, Stats stats, int handshakeTimeoutSeconds) {
        SslProvider provider = provider(settings.engine());
        ServerTls tls = new ServerTls(settings, stats, provider, ciphers(settings.ciphers(), provider),
                handshakeTimeoutSeconds * 1000L);
        String error = tls.refresh();
        if (error != null) {
            String option = error.startsWith("Error loading the certificate chain") ? "-o ssl_chain_cert"
                    : error.startsWith("Error loading the CA") ? "-o ssl_ca_cert" : "-o ssl_key";
            throw new IllegalStateException(option + ": " + error);
        }
        return tls;
    }

    /** The engine in use, for the start-up line and {@code stats settings}: {@code openssl} or {@code jdk}. */
    /**
     * Mutual TLS as identity: {@code identities} names the user a verified client certificate's name stands for
     * (looked up at each handshake, so a reloaded users file applies to new connections).
     */
    public void identities(Function<String, User> identities) {
        this.identities = identities;
    }

    /** The handshake stage for one connection: records the client certificate's names and signs its user in. */
    public TlsHandshake handshake(Session session, SecurityLog securityLog) {
        return new TlsHandshake(session, stats, securityLog, identities);
    }

    public String engine() {
        return provider == SslProvider.OPENSSL ? "openssl" : "jdk";
    }

    /** The engine with its version, for the start-up line. */
    public String describeEngine() {
        return provider == SslProvider.OPENSSL ? "openssl (" + OpenSsl.versionString() + ", netty-tcnative)"
                : "jdk (" + Runtime.version() + ")";
    }

    /** The server certificate now served (the chain's first). */
    public X509Certificate serverCertificate() {
        return serverCertificate;
    }

    /** A handler for a new connection, from the current context. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler handler = context.newHandler(alloc);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    /**
     * Re-reads the certificate chain, key and CA file; new connections get the new context. On failure the current
     * context stays and memcached's error line (without its CRLF) is returned.
     *
     * @return null when the new certificates are in use
     */
    public synchronized String refresh() {
        Path chainFile = settings.chainCert();
        List<X509Certificate> chain;
        try {
            chain = PemFiles.certificates(chainFile);
        } catch (IOException e) {
            return "Error loading the certificate chain: " + chainFile + " : " + e.getMessage();
        }
        PrivateKey key;
        try {
            key = PemFiles.privateKey(settings.keyFile());
        } catch (IOException e) {
            return "Error loading the key: " + settings.keyFile() + " : " + e.getMessage();
        }
        if (!PemFiles.matches(key, chain.get(0))) {
            return "Error validating the certificate: the key " + settings.keyFile() + " does not belong to the"
                    + " certificate in " + chainFile;
        }
        List<X509Certificate> cas = List.of();
        if (settings.caCert() != null) {
            try {
                cas = PemFiles.certificates(settings.caCert());
            } catch (IOException e) {
                return "Error loading the CA certificate: " + settings.caCert() + " : " + e.getMessage();
            }
        }
        try {
            SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0]))
                    .sslProvider(provider)
                    .protocols(settings.protocols())
                    .clientAuth(switch (settings.verifyMode()) {
                        case TlsSettings.VERIFY_REQUEST -> ClientAuth.OPTIONAL;
                        case TlsSettings.VERIFY_REQUIRE, TlsSettings.VERIFY_ONCE -> ClientAuth.REQUIRE;
                        default -> ClientAuth.NONE;
                    });
            if (!cas.isEmpty()) {
                b.trustManager(cas.toArray(new X509Certificate[0]));
            }
            if (ciphers != null) {
                b.ciphers(ciphers);
            }
            context = b.build();
        } catch (SSLException | IllegalArgumentException e) {
            return "Error validating the certificate: " + e.getMessage();
        }
        serverCertificate = chain.get(0);
        stats.certRefreshedAtNanos = System.nanoTime();
        return null;
    }

    /** When the certificate served now stops being valid. */
    public Date notAfter() {
        return serverCertificate.getNotAfter();
    }

    private static SslProvider provider(TlsSettings.Engine engine) {
        return switch (engine) {
            case JDK -> SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    Throwable why = OpenSsl.unavailabilityCause();
                    throw new IllegalStateException("-o ssl_engine: openssl is not available on this platform ("
                            + (why == null ? "no netty-tcnative library" : why.getMessage()) + "); use ssl_engine=jdk");
                }
                yield SslProvider.OPENSSL;
            }
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        };
    }

    /**
     * memcached's {@code ssl_ciphers}: a colon-separated list of TLS 1.2 suites, OpenSSL's names or IANA's. OpenSSL's
     * keyword expressions ({@code HIGH:!aNULL}) are refused, since the JDK engine cannot read them; TLS 1.3's suites
     * are added unless some are listed, as OpenSSL's cipher list leaves TLS 1.3 alone.
     *
     * @return Java names, or null for the engine's defaults
     */
    static List<String> ciphers(String list, SslProvider provider) {
        if (list == null) {
            return null;
        }
        Set<String> available = available(provider);
        List<String> out = new ArrayList<>();
        boolean tls13 = false;
        for (String raw : list.split(":")) {
            String name = raw.trim();
            if (name.isEmpty()) {
                continue;
            }
            String java = name.startsWith("TLS_") ? name : CipherSuiteConverter.toJava(name, "TLS");
            if (java == null || !available.contains(java)) {
                throw new IllegalStateException("-o ssl_ciphers: '" + name + "' is not a cipher suite the "
                        + (provider == SslProvider.OPENSSL ? "openssl" : "jdk") + " engine has; list suites by name,"
                        + " for example ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256");
            }
            tls13 |= TLS13_SUITES.contains(java);
            out.add(java);
        }
        if (!tls13) {
            for (String suite : TLS13_SUITES) {
                if (available.contains(suite)) {
                    out.add(suite);
                }
            }
        }
        return out;
    }

    private static Set<String> available(SslProvider provider) {
        if (provider == SslProvider.OPENSSL) {
            return OpenSsl.availableJavaCipherSuites();
        }
        try {
            return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("-Z: the JDK has no TLS implementation: " + e.getMessage(), e);
        }
    }
}
