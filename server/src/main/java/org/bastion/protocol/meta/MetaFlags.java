package org.bastion.protocol.meta;

import java.util.Arrays;
import org.bastion.store.Numbers;

/**
 * The flags of one meta command line, parsed as memcached's {@code _meta_flag_preparse} does: every command accepts
 * every flag memcached 1.6.18 knows, a flag may appear once, and the first error wins. What each flag means is the
 * command's business. The exception is {@code x} (empty the value, from later memcached): memcached 1.6.18 refuses it
 * everywhere with {@code invalid flag}, so Bastion accepts it only where it means something, {@code md} and
 * {@code ms}, and {@code mg}/{@code ma} answer as memcached does.
 */
final class MetaFlags {
    String error;
    byte[] key;
    boolean base64;
    boolean vivify;
    boolean locked;
    boolean value;
    boolean invalidate;
    boolean quiet;
    boolean hasCas;
    boolean newTtl;
    boolean noUpdate;
    boolean hasRecache;
    boolean removeValue;
    byte mode;
    long exptime;
    long vivifyExptime;
    long recache;
    long clientFlags;
    long cas;
    long newCas;
    long delta = 1;
    long initial;
    int ttlIndex = -1;
    int vivifyIndex = -1;
    int recacheIndex = -1;
    /** Index of the first opaque token over {@link MetaCommands#MAX_OPAQUE} bytes, or -1. */
    int badOpaque = -1;

    /**
     * memcached's flag pre-parse from token {@code from} for the command {@code command} (the second letter of
     * {@code mg ms md ma}).
     */
    static MetaFlags parse(byte[] line, int[] starts, int[] ends, int ntok, int from, char command) {
        MetaFlags f = new MetaFlags();
        f.key = Arrays.copyOfRange(line, starts[1], ends[1]);
        boolean[] seen = new boolean[128];
        String errstr = MetaCommands.BAD_FORMAT;
        boolean hasError = false;
        long[] num = new long[1];
        for (int t = from; t < ntok; t++) {
            int o = line[starts[t]] & 0xFF;
            if (o >= 127 || seen[o]) {
                f.error = MetaCommands.DUPLICATE_FLAG;
                return f;
            }
            seen[o] = true;
            int vs = starts[t] + 1;
            int ve = ends[t];
            switch (o) {
                case 'b' -> {
                    f.base64 = true;
                    byte[] decoded = MetaBase64.decode(line, starts[1], ends[1]);
                    if (decoded == null) {
                        errstr = "CLIENT_ERROR error decoding key";
                        hasError = true;
                    } else {
                        f.key = decoded;
                    }
                }
                case 'N', 'T', 'R' -> {
                    f.locked = true;
                    if (!Numbers.parseSigned(line, vs, ve, num)) {
                        errstr = MetaCommands.BAD_TOKEN;
                        hasError = true;
                    } else if (o == 'N') {
                        f.vivify = true;
                        f.vivifyExptime = num[0];
                        f.vivifyIndex = t;
                    } else if (o == 'T') {
                        f.newTtl = true;
                        f.exptime = num[0];
                        f.ttlIndex = t;
                    } else {
                        f.hasRecache = true;
                        f.recache = num[0];
                        f.recacheIndex = t;
                    }
                }
                case 'l', 'h' -> f.locked = true;
                case 'O' -> {
                    if ((ends[t] - starts[t]) > MetaCommands.MAX_OPAQUE && f.badOpaque < 0) {
                        f.badOpaque = t;
                    }
                }
                case 'P', 'L', 'k', 's', 't', 'c', 'f' -> { }
                case 'v' -> f.value = true;
                case 'u' -> f.noUpdate = true;
                case 'q' -> f.quiet = true;
                case 'x' -> {
                    if (command != 'd' && command != 's') {
                        f.error = MetaCommands.INVALID_FLAG;
                        return f;
                    }
                    f.removeValue = true;
                }
                case 'F' -> {
                    if (Numbers.parseUnsigned(line, vs, ve, num)) {
                        // Truncated to 32 bits, as memcached stores it.
                        f.clientFlags = num[0] & 0xFFFF_FFFFL;
                    } else {
                        hasError = true;
                    }
                }
                case 'C' -> {
                    if (Numbers.parseUnsigned(line, vs, ve, num)) {
                        f.hasCas = true;
                        f.cas = num[0];
                    } else {
                        errstr = MetaCommands.BAD_TOKEN;
                        hasError = true;
                    }
                }
                case 'E' -> {
                    if (Numbers.parseUnsigned(line, vs, ve, num)) {
                        f.newCas = num[0];
                    } else {
                        errstr = MetaCommands.BAD_TOKEN;
                        hasError = true;
                    }
                }
                case 'M' -> {
                    if ((ends[t] - starts[t]) != 2) {
                        errstr = "CLIENT_ERROR incorrect length for M token";
                        hasError = true;
                    } else {
                        f.mode = line[vs];
                    }
                }
                case 'J' -> {
                    if (Numbers.parseUnsigned(line, vs, ve, num)) {
                        f.initial = num[0];
                    } else {
                        errstr = "CLIENT_ERROR invalid numeric initial value";
                        hasError = true;
                    }
                }
                case 'D' -> {
                    if (Numbers.parseUnsigned(line, vs, ve, num)) {
                        f.delta = num[0];
                    } else {
                        errstr = "CLIENT_ERROR invalid numeric delta value";
                        hasError = true;
                    }
                }
                case 'I' -> f.invalidate = true;
                default -> {
                    f.error = MetaCommands.INVALID_FLAG;
                    return f;
                }
            }
        }
        if (hasError) {
            f.error = errstr;
        }
        return f;
    }

    /** Whether token {@code t} is reached before memcached stops at an over-long opaque. */
    boolean reached(int t) {
        return t >= 0 && (badOpaque < 0 || t < badOpaque);
    }
}
