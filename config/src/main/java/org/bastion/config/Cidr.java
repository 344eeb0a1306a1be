package org.bastion.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code ::1/128}); a bare address is a single host. An
 * IPv4-mapped IPv6 network ({@code ::ffff:127.0.0.1/128}, {@code ::ffff:10.0.0.0/104}) means the IPv4 network.
 */
public record Cidr(byte[] network, int prefixLength, String text) {
    /** The bits before the IPv4 address in an IPv4-mapped IPv6 address ({@code ::ffff:0:0/96}). */
    private static final int MAPPED_PREFIX = 96;

    public Cidr {
        network = network.clone();
    }

    /** Parses {@code address[/prefix]}; {@code flag} names the option in any error. */
    public static Cidr parse(String flag, String value) {
        String text = value.trim();
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        if (host.isEmpty() || !looksLikeAddress(host)) {
            throw new SettingsException(flag, "'" + value + "' is not an IP address or CIDR network (for example 10.0.0.0/8 or fd00::/8)");
        }
        byte[] address;
        try {
            address = InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            throw new SettingsException(flag, "'" + value + "' is not an IP address or CIDR network");
        }
        // Java reads an IPv4-mapped IPv6 literal (::ffff:127.0.0.1) as the IPv4 address itself; its prefix is still
        // written in IPv6 bits, of which the last 32 are the IPv4 address's. The rule means that IPv4 network.
        boolean mapped = address.length == 4 && host.indexOf(':') >= 0;
        int bits = mapped ? 128 : address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new SettingsException(flag, "'" + value + "' has a prefix length outside 0.." + bits);
            }
            if (mapped && prefix < MAPPED_PREFIX) {
                throw new SettingsException(flag, "'" + value + "' is an IPv4-mapped network: its prefix length must"
                        + " be " + MAPPED_PREFIX + "..128 (or write the IPv4 network, for example 10.0.0.0/8)");
            }
        }
        if (mapped) {
            prefix -= MAPPED_PREFIX;
        }
        return new Cidr(mask(address, prefix), prefix, text);
    }

    /** Whether the address lies inside this network. IPv4-mapped IPv6 addresses match IPv4 networks. */
    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length == 16 && network.length == 4 && isV4Mapped(candidate)) {
            candidate = Arrays.copyOfRange(candidate, 12, 16);
        }
        if (candidate.length != network.length) {
            return false;
        }
        return Arrays.equals(mask(candidate, prefixLength), network);
    }

    /** Whether this network admits every address of its family ({@code 0.0.0.0/0} or {@code ::/0}). */
    public boolean isEverything() {
        return prefixLength == 0;
    }

    /** Whether every address in this network is a loopback address. */
    public boolean isLoopbackOnly() {
        if (network.length == 4) {
            return prefixLength >= 8 && (network[0] & 0xff) == 127;
        }
        return prefixLength == 128 && network[15] == 1 && Arrays.equals(Arrays.copyOf(network, 15), new byte[15]);
    }

    @Override
    public byte[] network() {
        return network.clone();
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr other && other.prefixLength == prefixLength && Arrays.equals(other.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    private static boolean looksLikeAddress(String host) {
        // Only literal addresses: a host name would mean a DNS lookup at start-up and a rule that can change under us.
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':';
            if (!ok) {
                return false;
            }
        }
        return host.indexOf(':') >= 0 || host.chars().filter(c -> c == '.').count() == 3;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (keep == 0 ? 0 : (0xff << (8 - keep)));
        }
        return out;
    }
}
