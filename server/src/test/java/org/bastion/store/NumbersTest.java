package org.bastion.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.bastion.store.Numbers;

/** {@link Numbers}: memcached's {@code safe_strtoull}/{@code safe_strtol} rules on raw bytes. */
class NumbersTest {
    private static long[] unsigned(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        long[] out = new long[1];
        return Numbers.parseUnsigned(b, 0, b.length, out) ? out : null;
    }

    private static long[] signed(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        long[] out = new long[1];
        return Numbers.parseSigned(b, 0, b.length, out) ? out : null;
    }

    @Test
    void unsignedAcceptsWhatStrtoullAccepts() {
        assertEquals(0, unsigned("0")[0]);
        assertEquals(42, unsigned("+42")[0]);
        assertEquals(7, unsigned("007")[0]);
        assertEquals(12, unsigned(" 12")[0]);
        assertEquals(12, unsigned("12 ")[0], "digits then whitespace");
        assertEquals(12, unsigned("12\r\n")[0]);
        assertEquals(12, unsigned("12\u0000junk")[0], "a NUL ends the C string memcached parses");
        assertEquals(-1L, unsigned("18446744073709551615")[0], "2^64-1");
    }

    @Test
    void unsignedRefusesWhatSafeStrtoullRefuses() {
        for (String bad : new String[] {"", " ", "abc", "12abc", "18446744073709551616", "99999999999999999999",
                "-1", "1.5", "0x10"}) {
            assertEquals(null, unsigned(bad), "'" + bad + "'");
        }
    }

    @Test
    void signedIsTruncatedTo32BitsAsMemcachedStoresIt() {
        assertEquals(-1, signed("-1")[0]);
        assertEquals(100, signed("+100")[0]);
        assertEquals(2147483647, signed("2147483647")[0]);
        assertEquals((int) 4102444800L, signed("4102444800")[0]);
        assertEquals(1, signed("4294967297")[0]);
        assertEquals(null, signed("abc"));
        assertEquals(null, signed("99999999999999999999"));
        assertEquals(5, signed("5\u0000")[0]);
    }

    @Test
    void counterMustBeANumber() {
        long[] out = new long[1];
        assertTrue(Numbers.parseCounter("99 ".getBytes(StandardCharsets.US_ASCII), out));
        assertEquals(99, out[0]);
        assertFalse(Numbers.parseCounter(new byte[0], out));
    }

    @Test
    void decimalsOfUnsignedValues() {
        ByteBuf buf = Unpooled.buffer();
        try {
            for (long v : new long[] {0, 9, 1023, 1024, 123456789012L, Long.MAX_VALUE, Long.MIN_VALUE, -1L}) {
                buf.clear();
                Numbers.writeDecimal(buf, v);
                assertEquals(Long.toUnsignedString(v), buf.toString(StandardCharsets.US_ASCII));
                assertEquals(Long.toUnsignedString(v), new String(Numbers.unsignedBytes(v), StandardCharsets.US_ASCII));
            }
        } finally {
            buf.release();
        }
    }
}
