package org.bastion.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at test time with BouncyCastle, so no private key is ever committed: a CA, server certificates for
 * localhost/127.0.0.1 and client certificates it signs, written as PEM (keys as PKCS#8) into a directory the real
 * memcached (running as nobody) can read too.
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A certificate and its key, as objects and as PEM files. */
    public record Issued(X509Certificate certificate, KeyPair keys, Path certFile, Path keyFile) {
        /** A TLS client context that presents this certificate and trusts {@code ca}. */
        public SSLContext clientContext(Issued ca) {
            return TestCertificates.clientContext(ca, this);
        }
    }

    private TestCertificates() {
    }

    /** A directory under the system temp dir that other users (memcached's nobody) can read. */
    public static Path directory(Path base) throws IOException {
        Path dir = Files.createDirectories(base.resolve("certs"));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /** A self-signed CA named {@code name}, valid for a year. */
    public static Issued ca(Path dir, String name) throws Exception {
        KeyPair keys = rsa();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(subject, subject, keys, Duration.ofDays(365));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return write(dir, name, sign(b, keys), keys);
    }

    /** A server certificate for localhost and 127.0.0.1, signed by {@code ca}, valid for {@code validity}. */
    public static Issued server(Path dir, Issued ca, String fileName, String commonName, Duration validity)
            throws Exception {
        KeyPair keys = rsa();
        X509v3CertificateBuilder b = builder(new X500Name(ca.certificate().getSubjectX500Principal().getName()),
                new X500Name("CN=" + commonName), keys, validity);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        return write(dir, fileName, sign(b, ca.keys()), keys);
    }

    /** A client certificate named {@code commonName} with a SAN email and DNS name, signed by {@code ca}. */
    public static Issued client(Path dir, Issued ca, String commonName, String email, String dns) throws Exception {
        KeyPair keys = rsa();
        X509v3CertificateBuilder b = builder(new X500Name(ca.certificate().getSubjectX500Principal().getName()),
                new X500Name("CN=" + commonName + ",O=Bastion tests"), keys, Duration.ofDays(30));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, dns), new GeneralName(GeneralName.rfc822Name, email)}));
        return write(dir, commonName, sign(b, ca.keys()), keys);
    }

    /** A client context that trusts {@code ca} and presents {@code own} (or no certificate when null). */
    public static SSLContext clientContext(Issued ca, Issued own) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (own != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("me", own.keys().getPrivate(), new char[0], new X509Certificate[] {own.certificate()});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys,
            Duration validity) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
            throws OperatorCreationException, GeneralSecurityException {
        ContentSigner s = new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(s));
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static Issued write(Path dir, String name, X509Certificate cert, KeyPair keys) throws Exception {
        Path certFile = dir.resolve(name + ".crt");
        Path keyFile = dir.resolve(name + ".key");
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()));
        // World-readable only because these are throwaway test keys the real memcached (as nobody) must read.
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));
        return new Issued(cert, keys, certFile, keyFile);
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(o);
        }
        return w.toString();
    }
}
