package org.bastion.protocol.meta;

import java.util.Base64;

/**
 * Base64 for meta's {@code b} flag with memcached's decoder rules: characters outside the alphabet are skipped, the
 * remaining count must be a non-zero multiple of four, and decoding stops at the first padded block.
 */
public final class MetaBase64 {
    private static final byte[] DECODE = new byte[256];

    static {
        java.util.Arrays.fill(DECODE, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            DECODE[alphabet.charAt(i)] = (byte) i;
        }
        DECODE['='] = 0;
    }

    private MetaBase64() {
    }

    /** The decoded bytes, or null where memcached's decoder fails (it then answers with an error). */
    static byte[] decode(byte[] src, int from, int to) {
        int count = 0;
        for (int i = from; i < to; i++) {
            if (DECODE[src[i] & 0xFF] >= 0) {
                count++;
            }
        }
        if (count == 0 || count % 4 != 0) {
            return null;
        }
        byte[] out = new byte[count / 4 * 3];
        int pos = 0;
        int[] block = new int[4];
        int n = 0;
        int pad = 0;
        for (int i = from; i < to; i++) {
            int b = src[i] & 0xFF;
            int v = DECODE[b];
            if (v < 0) {
                continue;
            }
            if (b == '=') {
                pad++;
            }
            block[n++] = v;
            if (n == 4) {
                out[pos++] = (byte) ((block[0] << 2) | (block[1] >> 4));
                out[pos++] = (byte) ((block[1] << 4) | (block[2] >> 2));
                out[pos++] = (byte) ((block[2] << 6) | block[3]);
                n = 0;
                if (pad > 0) {
                    if (pad > 2) {
                        return null;
                    }
                    pos -= pad;
                    break;
                }
            }
        }
        return pos == 0 ? null : java.util.Arrays.copyOf(out, pos);
    }

    static byte[] encode(byte[] raw) {
        return Base64.getEncoder().encode(raw);
    }
}
