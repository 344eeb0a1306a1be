package org.bastion.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * TLS ({@code -Z}) and memcached's {@code -o ssl_*} options, validated and immutable. Off by default; part of
 * {@link Settings} ({@link Settings#tls()}). Every error names the option as memcached spells it.
 */
public final class TlsSettings {
    /** memcached's {@code ssl_verify_mode} values: 0 none, 1 request, 2 require, 3 once (require, first handshake). */
    public static final int VERIFY_NONE = 0;
    public static final int VERIFY_REQUEST = 1;
    public static final int VERIFY_REQUIRE = 2;
    public static final int VERIFY_ONCE = 3;

    /** Which TLS implementation serves the handshakes. */
    public enum Engine {
        /** OpenSSL (BoringSSL from netty-tcnative) where this platform has it, else the JDK's. */
        AUTO,
        /** The JDK's own provider (SunJSSE). */
        JDK,
        /** OpenSSL (BoringSSL from netty-tcnative); start-up fails where it is not available. */
        OPENSSL;

        static Engine parse(String value) {
            return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> AUTO;
                case "jdk" -> JDK;
                case "openssl" -> OPENSSL;
                default -> throw new SettingsException("-o ssl_engine", "'" + value + "' is not auto, jdk or openssl");
            };
        }
    }

    private static final TlsSettings OFF = new Builder().build();

    private final boolean enabled;
    private final Path chainCert;
    private final Path key;
    private final Path caCert;
    private final int verifyMode;
    private final int minVersion;
    private final String ciphers;
    private final Engine engine;
    private final boolean sessionCache;

    private TlsSettings(Builder b) {
        this.enabled = b.enabled;
        this.chainCert = b.chainCert;
        this.key = b.key;
        this.caCert = b.caCert;
        this.verifyMode = b.verifyMode;
        this.minVersion = b.minVersion;
        this.ciphers = b.ciphers;
        this.engine = b.engine;
        this.sessionCache = b.sessionCache;
    }

    /** TLS off. */
    public static TlsSettings off() {
        return OFF;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code -Z}: listeners serve TLS, except those listed with memcached's {@code notls:} prefix. */
    public boolean enabled() { return enabled; }
    /** {@code ssl_chain_cert}: the server's certificate chain, PEM. */
    public Path chainCert() { return chainCert; }
    /** {@code ssl_key}: the server's private key, PEM (PKCS#8); null when it is in the chain file. */
    public Path key() { return key; }
    /** {@code ssl_ca_cert}: the CAs whose client certificates are accepted, PEM; or null. */
    public Path caCert() { return caCert; }
    /** {@code ssl_verify_mode}, memcached's 0..3. */
    public int verifyMode() { return verifyMode; }
    /** {@code ssl_min_version}: 2 for TLS 1.2, 3 for TLS 1.3 (memcached's numbers). */
    public int minVersion() { return minVersion; }
    /** {@code ssl_ciphers}: the TLS 1.2 suites allowed, colon-separated, or null for the engine's defaults. */
    public String ciphers() { return ciphers; }
    /** {@code ssl_engine} (Bastion's own): which implementation does TLS. */
    public Engine engine() { return engine; }
    /** {@code ssl_session_cache}: server-side session resumption. */
    public boolean sessionCache() { return sessionCache; }

    /** Whether clients must present a certificate (modes 2 and 3). */
    public boolean requiresClientCertificate() {
        return verifyMode == VERIFY_REQUIRE || verifyMode == VERIFY_ONCE;
    }

    /** The key file: {@code ssl_key}, or the chain file when the key is in it (as memcached allows). */
    public Path keyFile() {
        return key != null ? key : chainCert;
    }

    /** {@code ssl_min_version} as {@code stats settings} shows it: {@code tlsv1.2} or {@code tlsv1.3}. */
    public String minVersionName() {
        return "tlsv1." + minVersion;
    }

    /** The protocol names the engines take, from the minimum up. */
    public List<String> protocols() {
        return minVersion >= 3 ? List.of("TLSv1.3") : List.of("TLSv1.3", "TLSv1.2");
    }

    /** {@code ssl_verify_mode} as memcached 1.6.18 reports it: OpenSSL's flag bits (0, 1, 3 or 7). */
    public int verifyModeBits() {
        return switch (verifyMode) {
            case VERIFY_REQUEST -> 1;
            case VERIFY_REQUIRE -> 3;
            case VERIFY_ONCE -> 7;
            default -> 0;
        };
    }

    /** Collects {@code -Z} and the {@code ssl_*} options; {@link #build()} checks them together. */
    public static final class Builder {
        private boolean enabled;
        private Path chainCert;
        private Path key;
        private Path caCert;
        private int verifyMode = VERIFY_NONE;
        private int minVersion = 2;
        private String ciphers;
        private Engine engine = Engine.AUTO;
        private boolean sessionCache;
        private boolean anyOption;

        private Builder() {
        }

        /** {@code -Z}. */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        public Builder chainCert(Path file) {
            this.chainCert = file;
            anyOption = true;
            return this;
        }

        public Builder key(Path file) {
            this.key = file;
            anyOption = true;
            return this;
        }

        public Builder caCert(Path file) {
            this.caCert = file;
            anyOption = true;
            return this;
        }

        /** memcached's 0 (none), 1 (request), 2 (require) or 3 (once). */
        public Builder verifyMode(int mode) {
            if (mode < VERIFY_NONE || mode > VERIFY_ONCE) {
                throw new SettingsException("-o ssl_verify_mode", mode + " is not 0 (none), 1 (request), 2 (require)"
                        + " or 3 (once)");
            }
            this.verifyMode = mode;
            anyOption = true;
            return this;
        }

        /**
         * memcached's numbers ({@code 2}, {@code 3}) or names ({@code tlsv1.2}, {@code tlsv1.3}). TLS 1.0 and 1.1
         * ({@code 0}, {@code 1}) are refused: they are deprecated (RFC 8996) and the JDK no longer enables them.
         */
        public Builder minVersion(String version) {
            String v = version == null ? "" : version.trim().toLowerCase(Locale.ROOT);
            this.minVersion = switch (v) {
                case "2", "tlsv1.2" -> 2;
                case "3", "tlsv1.3" -> 3;
                case "0", "1", "tlsv1", "tlsv1.0", "tlsv1.1" -> throw new SettingsException("-o ssl_min_version",
                        "'" + version + "': TLS 1.0 and 1.1 are deprecated (RFC 8996) and not served; use 2 (tlsv1.2)"
                                + " or 3 (tlsv1.3)");
                default -> throw new SettingsException("-o ssl_min_version", "'" + version + "' is not 2 (tlsv1.2)"
                        + " or 3 (tlsv1.3)");
            };
            anyOption = true;
            return this;
        }

        /** Colon-separated TLS 1.2 cipher suites, OpenSSL's names or IANA's; the engine checks them at start. */
        public Builder ciphers(String list) {
            if (list != null && list.isBlank()) {
                throw new SettingsException("-o ssl_ciphers", "needs at least one cipher suite, for example"
                        + " ECDHE-RSA-AES128-GCM-SHA256");
            }
            this.ciphers = list;
            anyOption = true;
            return this;
        }

        public Builder engine(Engine engine) {
            this.engine = engine;
            anyOption = true;
            return this;
        }

        /** {@code auto}, {@code jdk} or {@code openssl}. */
        public Builder engine(String engine) {
            return engine(Engine.parse(engine));
        }

        public Builder sessionCache(boolean on) {
            this.sessionCache = on;
            anyOption = true;
            return this;
        }

        /** Whether any {@code ssl_*} option was given (they mean nothing without {@code -Z}). */
        boolean anyOption() {
            return anyOption;
        }

        public TlsSettings build() {
            if (!enabled) {
                return new TlsSettings(this);
            }
            if (chainCert == null) {
                throw new SettingsException("-Z/--enable-ssl", "needs the server's certificate: -o"
                        + " ssl_chain_cert=<file>,ssl_key=<file> (PEM)");
            }
            readable("-o ssl_chain_cert", chainCert);
            if (key != null) {
                readable("-o ssl_key", key);
            }
            if (caCert != null) {
                readable("-o ssl_ca_cert", caCert);
            }
            if (verifyMode != VERIFY_NONE && caCert == null) {
                throw new SettingsException("-o ssl_verify_mode", verifyMode + " checks client certificates, so it"
                        + " needs -o ssl_ca_cert=<file> (the CA that signs them)");
            }
            return new TlsSettings(this);
        }

        private static void readable(String option, Path file) {
            if (!Files.isRegularFile(file)) {
                throw new SettingsException(option, "no such file " + file);
            }
            if (!Files.isReadable(file)) {
                throw new SettingsException(option, "cannot read " + file + " (permissions?)");
            }
        }
    }

    /** The {@code stats settings} lines for TLS, memcached 1.6.18's names and order, then Bastion's engine. */
    public List<String[]> describe(String engineInUse) {
        List<String[]> out = new ArrayList<>();
        out.add(new String[] {"ssl_enabled", enabled ? "yes" : "no"});
        if (!enabled) {
            return out;
        }
        out.add(new String[] {"ssl_chain_cert", String.valueOf(chainCert)});
        out.add(new String[] {"ssl_key", key == null ? "NULL" : key.toString()});
        out.add(new String[] {"ssl_verify_mode", Integer.toString(verifyModeBits())});
        out.add(new String[] {"ssl_keyformat", "1"});
        out.add(new String[] {"ssl_ciphers", ciphers == null ? "NULL" : ciphers});
        out.add(new String[] {"ssl_ca_cert", caCert == null ? "NULL" : caCert.toString()});
        out.add(new String[] {"ssl_session_cache", sessionCache ? "yes" : "no"});
        out.add(new String[] {"ssl_kernel_tls", "no"});
        out.add(new String[] {"ssl_min_version", minVersionName()});
        out.add(new String[] {"ssl_engine", engineInUse});
        return out;
    }
}
