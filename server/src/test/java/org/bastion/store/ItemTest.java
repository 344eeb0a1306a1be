package org.bastion.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * An {@link Item} keeps its last read to the second and its four marks in one int: a read, a copy or a new state must
 * never change a mark it does not mean to, and the read time must come back as the second it was taken in.
 */
class ItemTest {
    private static final long SECOND = 1_000_000_000L;

    @Property(tries = 300)
    void marksAndReadTimeSurviveEveryChange(@ForAll boolean stale, @ForAll boolean winSent,
            @ForAll boolean binaryKey, @ForAll @LongRange(min = 1, max = 1L << 50) long storedAt,
            @ForAll @LongRange(min = 0, max = 1L << 40) long later) {
        Item item = new Item(new byte[] {1}, 7, 9, Item.NEVER, storedAt, stale, winSent, binaryKey);
        assertMarks(item, stale, winSent, binaryKey);
        assertFalse(item.fetched(), "a new item is unread");
        assertEquals(storedAt / SECOND * SECOND, item.lastAccess(), "an unread item's last access is its write");

        long readAt = storedAt + later;
        item.accessedAt(readAt);
        assertMarks(item, stale, winSent, binaryKey);
        assertTrue(item.fetched());
        assertEquals(readAt / SECOND * SECOND, item.lastAccess(), "the second of the read");

        Item moved = item.withState(10, Item.NEVER, !stale, !winSent);
        assertMarks(moved, !stale, !winSent, binaryKey);
        assertTrue(moved.fetched(), "a new state keeps the fetched mark");
        assertEquals(item.lastAccess(), moved.lastAccess());

        Item rewritten = new Item(new byte[] {2}, 7, 11, Item.NEVER, readAt + SECOND, stale, winSent, binaryKey);
        rewritten.accessLike(item, false);
        assertMarks(rewritten, stale, winSent, binaryKey);
        assertFalse(rewritten.fetched(), "a rewrite may drop the fetched mark");
        assertEquals(item.lastAccess(), rewritten.lastAccess(), "and keep the old read time");
        rewritten.accessLike(item, true);
        assertTrue(rewritten.fetched());
        assertMarks(rewritten, stale, winSent, binaryKey);
    }

    @Test
    void aReadTimeBeyondTwentyEightBitsOfSecondsStopsAtTheLast() {
        long max = (1L << 28) - 1;
        Item item = new Item(new byte[0], 0, 1, Item.NEVER, SECOND, true, false, true);
        item.accessedAt((max + 1000) * SECOND);
        assertEquals(max * SECOND, item.lastAccess());
        assertMarks(item, true, false, true);
        assertTrue(item.fetched());
    }

    @Test
    void aReadInTheSameSecondLeavesTheItemAsItWas() {
        Item item = new Item(new byte[0], 0, 1, Item.NEVER, 5 * SECOND + 1);
        item.accessedAt(5 * SECOND + 2);
        long first = item.lastAccess();
        item.accessedAt(5 * SECOND + 999_999_999);
        assertEquals(first, item.lastAccess());
        item.accessedAt(6 * SECOND);
        assertEquals(6 * SECOND, item.lastAccess());
    }

    private static void assertMarks(Item item, boolean stale, boolean winSent, boolean binaryKey) {
        assertEquals(stale, item.stale(), "stale");
        assertEquals(winSent, item.winSent(), "win sent");
        assertEquals(binaryKey, item.binaryKey(), "binary key");
    }
}
