package org.bastion.config;

import java.util.Locale;

/** Parses memcached-style sizes: a number with an optional k, m or g suffix. */
final class Sizes {
    private Sizes() {
    }

    /** Bytes in {@code text}, where a bare number counts {@code unit} bytes. */
    static long parse(String flag, String text, long unit) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long multiplier = unit;
        if (t.endsWith("k") || t.endsWith("m") || t.endsWith("g")) {
            char suffix = t.charAt(t.length() - 1);
            multiplier = suffix == 'k' ? 1024L : suffix == 'm' ? 1024L * 1024 : 1024L * 1024 * 1024;
            t = t.substring(0, t.length() - 1);
        }
        long value;
        try {
            value = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new SettingsException(flag, "'" + text + "' is not a size (a number, optionally with k, m or g)");
        }
        if (value < 0 || value > Long.MAX_VALUE / multiplier) {
            throw new SettingsException(flag, "'" + text + "' is out of range");
        }
        return value * multiplier;
    }
}
