package org.bastion.config;

/** Which wire protocol a connection speaks (memcached's {@code -B}). */
public enum Protocol {
    /** Decide per connection from the first byte: 0x80 is binary, anything else text and meta. */
    AUTO,
    /** Text and meta commands only. */
    ASCII,
    /** Binary only. */
    BINARY;

    static Protocol parse(String value) {
        switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "auto": return AUTO;
            case "ascii": return ASCII;
            case "binary": return BINARY;
            default:
                throw new SettingsException("-B/--protocol", "'" + value + "' is not one of auto, ascii, binary");
        }
    }
}
