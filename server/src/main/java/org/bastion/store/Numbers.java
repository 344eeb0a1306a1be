package org.bastion.store;

/**
 * Number parsing with the C library semantics memcached relies on ({@code strtoul}/{@code strtol} plus memcached's
 * {@code safe_*} checks), working on raw bytes so the hot path never builds a String.
 */
public final class Numbers {
    private static final byte[][] SMALL = new byte[1024][];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    private Numbers() {
    }

    static boolean isSpace(int b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == 0x0c;
    }

    /** What may follow a number's digits: whitespace, or a NUL, where C's string (and memcached's parse) ends. */
    private static boolean endsNumber(int b) {
        return b == 0 || isSpace(b);
    }

    /**
     * memcached's {@code safe_strtoull}: optional leading whitespace and sign, decimal digits, then the end or
     * whitespace. Overflow fails; a minus sign fails unless the wrapped result is non-negative as a signed number.
     */
    public static boolean parseUnsigned(byte[] b, int from, int to, long[] out) {
        int i = from;
        while (i < to && isSpace(b[i])) {
            i++;
        }
        boolean negative = false;
        if (i < to && (b[i] == '+' || b[i] == '-')) {
            negative = b[i] == '-';
            i++;
        }
        int digitsStart = i;
        long value = 0;
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            int d = b[i] - '0';
            // Unsigned overflow check: value * 10 + d must fit in 64 bits.
            if (Long.compareUnsigned(value, Long.divideUnsigned(-1L - d, 10)) > 0) {
                return false;
            }
            value = value * 10 + d;
            i++;
        }
        if (i == digitsStart) {
            return false;
        }
        if (i < to && !endsNumber(b[i])) {
            return false;
        }
        if (negative) {
            value = -value;
            if (value < 0) {
                return false;
            }
        }
        out[0] = value;
        return true;
    }

    /** memcached's {@code safe_strtol}: a signed 64-bit value truncated to 32 bits, as the reference stores it. */
    public static boolean parseSigned(byte[] b, int from, int to, long[] out) {
        int i = from;
        while (i < to && isSpace(b[i])) {
            i++;
        }
        boolean negative = false;
        if (i < to && (b[i] == '+' || b[i] == '-')) {
            negative = b[i] == '-';
            i++;
        }
        int digitsStart = i;
        long value = 0;
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            if (value > (Long.MAX_VALUE - (b[i] - '0')) / 10) {
                return false;
            }
            value = value * 10 + (b[i] - '0');
            i++;
        }
        if (i == digitsStart || (i < to && !endsNumber(b[i]))) {
            return false;
        }
        out[0] = (int) (negative ? -value : value);
        return true;
    }

    /** The stored value as an incr/decr counter into {@code out[0]}; false when it is not a number. */
    static boolean parseCounter(byte[] value, long[] out) {
        return value.length > 0 && parseUnsigned(value, 0, value.length, out);
    }

    /** Decimal ASCII of an unsigned 64-bit value; small values come from a shared table. */
    public static byte[] unsignedBytes(long value) {
        if (value >= 0 && value < SMALL.length) {
            return SMALL[(int) value];
        }
        return Long.toUnsignedString(value).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Writes the decimal digits of an unsigned 64-bit value into the buffer without building a String. */
    public static void writeDecimal(io.netty.buffer.ByteBuf out, long value) {
        if (value >= 0 && value < SMALL.length) {
            out.writeBytes(SMALL[(int) value]);
            return;
        }
        byte[] digits = new byte[20];
        int at = digits.length;
        long v = value;
        do {
            long q = Long.divideUnsigned(v, 10);
            digits[--at] = (byte) ('0' + (v - q * 10));
            v = q;
        } while (v != 0);
        out.writeBytes(digits, at, digits.length - at);
    }
}
