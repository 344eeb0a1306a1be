package org.bastion.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Keys of up to {@link Key#PACKED_MAX} bytes are packed into fields, longer ones keep an array: whatever the form, a
 * key must equal, hash and read back exactly as its bytes do, and a probe over the same bytes must find it.
 */
class KeyLayoutTest {

    @Property(tries = 500)
    void aKeyBehavesAsItsBytes(@ForAll @Size(max = Key.MAX_LENGTH) byte[] bytes) {
        Key key = Key.of(bytes.clone());
        assertEquals(bytes.length, key.length());
        assertArrayEquals(bytes, key.bytes());
        assertEquals(Arrays.hashCode(bytes), key.hashCode());
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(bytes[i], key.byteAt(i), "byte " + i);
        }
        assertEquals(key, Key.of(bytes.clone()));
        assertTrue(key.startsWith(Arrays.copyOf(bytes, bytes.length / 2)));

        byte[] line = new byte[bytes.length + 6];
        Arrays.fill(line, (byte) 0x5A); // the bytes around the key must not count
        System.arraycopy(bytes, 0, line, 3, bytes.length);
        Key.Probe probe = new Key.Probe().set(line, 3, 3 + bytes.length);
        assertEquals(key.hashCode(), probe.hashCode());
        assertTrue(probe.equals(key) && key.equals(probe), "probe and key are equal both ways");
        assertEquals(key, probe.copy());
        assertEquals(key, Key.of(line, 3, 3 + bytes.length), "a key made from a range of a line");
    }

    @Property(tries = 500)
    void keysThatDifferInOneByteOrInLengthDiffer(@ForAll @Size(min = 1, max = 60) byte[] bytes) {
        Key key = Key.of(bytes);
        for (int i = 0; i < bytes.length; i++) {
            byte[] changed = bytes.clone();
            changed[i] ^= (byte) 0x80;
            assertNotEquals(key, Key.of(changed), "byte " + i + " changed");
            assertFalse(new Key.Probe().set(changed, 0, changed.length).equals(key), "probe, byte " + i + " changed");
        }
        // A trailing zero byte must not read as padding: the length is part of the packed form.
        assertNotEquals(key, Key.of(Arrays.copyOf(bytes, bytes.length + 1)));
        assertNotEquals(Key.of(Arrays.copyOf(bytes, bytes.length + 1)), key);
        assertFalse(new Key.Probe().set(bytes, 0, bytes.length - 1).equals(key));
    }

    @Test
    void heapBytesFollowTheLayout() {
        assertEquals(24, Key.heapBytes(0));
        assertEquals(24, Key.heapBytes(7));
        assertEquals(32, Key.heapBytes(8));
        assertEquals(32, Key.heapBytes(14), "the benchmarks' key:%010d");
        assertEquals(48, Key.heapBytes(31));
        assertEquals(56, Key.heapBytes(32), "memcaslap's keys");
        assertEquals(64, Key.heapBytes(Key.PACKED_MAX));
        assertEquals(24 + 64, Key.heapBytes(Key.PACKED_MAX + 1), "object and array of 16 + 48 bytes");
        assertEquals(24 + 272, Key.heapBytes(Key.MAX_LENGTH));
    }
}
