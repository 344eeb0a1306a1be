package org.bastion.config;

/**
 * One {@code -l} entry as memcached reads it: {@code [notls:]<host>[:<port>]}, IPv6 as {@code [::1]} or
 * {@code [::1]:11222} (a bare {@code ::1} is a host with no port). {@code notls:} keeps that listener plain under
 * {@code -Z}, so a loopback health port can stay unencrypted.
 *
 * @param host the address to bind, without brackets
 * @param port the port, or -1 for {@code -p}'s
 * @param tls false for a {@code notls:} listener
 */
public record Listener(String host, int port, boolean tls) {
    static final String NOTLS = "notls:";

    /** Parses one entry; a bad port is an error naming {@code -l}. */
    public static Listener parse(String entry) {
        String s = entry.trim();
        boolean tls = true;
        if (s.startsWith(NOTLS)) {
            tls = false;
            s = s.substring(NOTLS.length());
        }
        String host = s;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new SettingsException("-l/--listen", "'" + entry + "': missing ] after the IPv6 address");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (rest.startsWith(":")) {
                port = rest.substring(1);
            } else if (!rest.isEmpty()) {
                throw new SettingsException("-l/--listen", "'" + entry + "': expected [address]:port");
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = s.substring(s.indexOf(':') + 1);
        }
        if (host.isEmpty()) {
            throw new SettingsException("-l/--listen", "'" + entry + "' names no address");
        }
        int p = -1;
        if (port != null) {
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
                throw new SettingsException("-l/--listen", "'" + entry + "': '" + port + "' is not a TCP port");
            }
            p = Integer.parseInt(port);
        }
        return new Listener(host, p, tls);
    }

    /** The port to bind: this entry's own, or {@code defaultPort}. */
    public int portOr(int defaultPort) {
        return port < 0 ? defaultPort : port;
    }
}
