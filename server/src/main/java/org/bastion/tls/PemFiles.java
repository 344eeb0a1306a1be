package org.bastion.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and PKCS#8 keys, and checks that a key belongs to a certificate. Each failure is an
 * {@link IOException} whose message says what is wrong in words an operator can act on, without the file's content.
 */
final class PemFiles {
    /** A PEM file larger than this is not a certificate chain: refused before it is read into memory. */
    static final long MAX_BYTES = 1024 * 1024;
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    private PemFiles() {
    }

    static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(read(file));
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    out.add((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(decode(m.group(2)))));
                }
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IOException("not a valid PEM certificate (" + e.getMessage() + ")");
        }
        if (out.isEmpty()) {
            throw new IOException("no PEM certificate (-----BEGIN CERTIFICATE-----) in the file");
        }
        return out;
    }

    static PrivateKey privateKey(Path file) throws IOException {
        Matcher m = BLOCK.matcher(read(file));
        while (m.find()) {
            switch (m.group(1)) {
                case "PRIVATE KEY" -> {
                    return pkcs8(decode(m.group(2)));
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new IOException("the key is in the old "
                        + m.group(1).replace(" PRIVATE KEY", "") + " format; convert it to PKCS#8 with openssl pkcs8"
                        + " -topk8 -nocrypt -in <key> -out <key.pk8>");
                case "ENCRYPTED PRIVATE KEY" -> throw new IOException("the key is encrypted; a server key must be"
                        + " readable without a passphrase (openssl pkcs8 -topk8 -nocrypt), protected by its file mode");
                default -> {
                }
            }
        }
        throw new IOException("no PEM private key (-----BEGIN PRIVATE KEY-----) in the file");
    }

    /** Whether {@code key} is the private half of {@code certificate}'s public key: a signature made and checked. */
    static boolean matches(PrivateKey key, X509Certificate certificate) {
        PublicKey pub = certificate.getPublicKey();
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(pub.getAlgorithm())) {
            return algorithm == null; // an algorithm we cannot test is left to the engine
        }
        try {
            byte[] probe = "bastion key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(pub);
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static PrivateKey pkcs8(byte[] der) throws IOException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new IOException("the PKCS#8 key is of no supported algorithm (RSA, EC, Ed25519)");
    }

    private static byte[] decode(String base64) {
        return Base64.getMimeDecoder().decode(base64);
    }

    private static String read(Path file) throws IOException {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IOException("larger than " + MAX_BYTES / 1024 + " KiB: not a PEM file");
            }
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IOException("No such file or directory");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("Permission denied");
        }
    }
}
