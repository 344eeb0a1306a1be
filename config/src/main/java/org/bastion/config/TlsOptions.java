package org.bastion.config;

import java.nio.file.Path;
import java.util.List;

/** memcached's {@code -o ssl_*} options, one at a time, into a {@link TlsSettings.Builder}. */
final class TlsOptions {
    private TlsOptions() {
    }

    static void apply(TlsSettings.Builder tls, String key, String value, List<String> warnings) {
        String flag = "-o " + key;
        switch (key) {
            case "ssl_chain_cert" -> tls.chainCert(path(flag, value));
            case "ssl_key" -> tls.key(path(flag, value));
            case "ssl_ca_cert" -> tls.caCert(path(flag, value));
            case "ssl_verify_mode" -> tls.verifyMode(number(flag, value));
            case "ssl_min_version" -> tls.minVersion(required(flag, value));
            case "ssl_ciphers" -> tls.ciphers(required(flag, value));
            case "ssl_engine" -> tls.engine(required(flag, value));
            case "ssl_session_cache" -> tls.sessionCache(true);
            case "ssl_keyformat" -> {
                // memcached's 1 is PEM (OpenSSL's SSL_FILETYPE_PEM); DER and engine keys are not read here.
                if (!"1".equals(value == null ? null : value.trim())) {
                    throw new SettingsException(flag, "'" + value + "': only 1 (PEM) is supported; convert the key"
                            + " with openssl pkcs8 -topk8 -nocrypt");
                }
            }
            case "ssl_wbuf_size" -> warnings.add(flag + " sizes memcached's TLS write buffer and is ignored: Netty"
                    + " sizes TLS records itself");
            case "ssl_kernel_tls" -> throw new SettingsException(flag, "kernel TLS offload is not supported; remove"
                    + " it (TLS runs in the JVM or in BoringSSL)");
            default -> throw new SettingsException("-o/--extended", "unknown option '" + key + "' (TLS options:"
                    + " ssl_chain_cert, ssl_key, ssl_ca_cert, ssl_verify_mode, ssl_min_version, ssl_ciphers,"
                    + " ssl_session_cache, ssl_engine)");
        }
    }

    private static String required(String flag, String value) {
        if (value == null || value.isBlank()) {
            throw new SettingsException(flag, "needs a value (" + flag.substring(3) + "=<value>)");
        }
        return value.trim();
    }

    private static Path path(String flag, String value) {
        return Path.of(required(flag, value));
    }

    private static int number(String flag, String value) {
        String v = required(flag, value);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new SettingsException(flag, "'" + v + "' is not 0 (none), 1 (request), 2 (require) or 3 (once)");
        }
    }
}
