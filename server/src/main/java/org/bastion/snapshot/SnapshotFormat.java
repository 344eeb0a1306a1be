package org.bastion.snapshot;

import java.nio.charset.StandardCharsets;

/**
 * The snapshot file format, independent of how the store lays items out in memory. Version 1:
 *
 * <pre>
 * header  magic "BASTSNAP" (8 bytes), u16 format version, u16 n + n bytes UTF-8 writer version,
 *         i64 written-at (Unix millis), u32 CRC32C of the header bytes before it
 * block*  u8 type, u32 item count, u32 payload length, payload, u32 CRC32C of type, count, length and payload
 *         ITEMS (1): count items, each u16 key length, key, u32 flags, i64 CAS, i64 expiry (Unix millis, 0 never),
 *                    u32 value length, value
 *         END (2):   count 0; payload i64 items, i64 key+value bytes; last block, nothing may follow it
 * </pre>
 *
 * All numbers big-endian. A file is complete only with its END block and every checksum right; anything else is
 * refused whole, never half-loaded. A reader accepts every format version up to {@link #CURRENT_VERSION}: a new
 * version adds a branch to the reader and keeps the old ones (and their committed fixture files).
 */
public final class SnapshotFormat {
    static final byte[] MAGIC = "BASTSNAP".getBytes(StandardCharsets.US_ASCII);
    /** The version this code writes. */
    public static final int CURRENT_VERSION = 1;
    static final byte ITEMS = 1;
    static final byte END = 2;
    /** Type, count and payload length. */
    static final int BLOCK_HEADER = 9;
    /** Items are gathered into blocks of about this many payload bytes (one larger item makes a block of its own). */
    static final int BLOCK_TARGET = 1 << 20;
    /** The largest payload a reader accepts: one item of the largest {@code -I} (1 GiB) and its header. */
    static final int MAX_PAYLOAD = (1 << 30) + 4096;
    /** Per-item bytes besides key and value. */
    static final int ITEM_HEADER = 2 + 4 + 8 + 8 + 4;
    /** The longest writer version string kept in a header. */
    static final int MAX_VERSION_LENGTH = 200;

    private SnapshotFormat() {
    }

    /** What a file's header says. */
    public record Header(int formatVersion, String writerVersion, long writtenAtMillis) {
    }
}
