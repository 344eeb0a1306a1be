package org.bastion.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Writes the {@link SnapshotFormat} to a stream: the header at once, items gathered into checksummed blocks, and the
 * END block from {@link #finish()}. Holds one block at a time (about {@link SnapshotFormat#BLOCK_TARGET} bytes, or one
 * larger item), so writing a store of any size needs no copy of it.
 */
final class SnapshotWriter {
    private final OutputStream out;
    private final CRC32C crc = new CRC32C();
    private final Runnable afterBlock;
    private byte[] block = new byte[SnapshotFormat.BLOCK_HEADER + SnapshotFormat.BLOCK_TARGET + 4096];
    /** Bytes of the block so far, its header included. */
    private int length = SnapshotFormat.BLOCK_HEADER;
    private int count;
    private long items;
    private long bytes;

    /**
     * @param afterBlock run after each block is handed to the stream (progress; a test's pause)
     */
    SnapshotWriter(OutputStream out, String writerVersion, long writtenAtMillis, Runnable afterBlock)
            throws IOException {
        this.out = out;
        this.afterBlock = afterBlock;
        byte[] version = writerVersion.getBytes(StandardCharsets.UTF_8);
        if (version.length > SnapshotFormat.MAX_VERSION_LENGTH) {
            version = Arrays.copyOf(version, SnapshotFormat.MAX_VERSION_LENGTH);
        }
        byte[] header = new byte[SnapshotFormat.MAGIC.length + 2 + 2 + version.length + 8 + 4];
        int at = 0;
        System.arraycopy(SnapshotFormat.MAGIC, 0, header, at, SnapshotFormat.MAGIC.length);
        at += SnapshotFormat.MAGIC.length;
        at = putShort(header, at, SnapshotFormat.CURRENT_VERSION);
        at = putShort(header, at, version.length);
        System.arraycopy(version, 0, header, at, version.length);
        at += version.length;
        at = putLong(header, at, writtenAtMillis);
        crc.reset();
        crc.update(header, 0, at);
        putInt(header, at, (int) crc.getValue());
        out.write(header);
    }

    /** Adds one item; {@code expiresAtMillis} is a Unix time in milliseconds, 0 for never. */
    void add(byte[] key, byte[] value, int flags, long cas, long expiresAtMillis) throws IOException {
        int size = SnapshotFormat.ITEM_HEADER + key.length + value.length;
        if (count > 0 && length + size > SnapshotFormat.BLOCK_HEADER + SnapshotFormat.BLOCK_TARGET) {
            flushBlock(SnapshotFormat.ITEMS);
        }
        if (block.length < length + size + 4) {
            block = Arrays.copyOf(block, length + size + 4);
        }
        int at = putShort(block, length, key.length);
        System.arraycopy(key, 0, block, at, key.length);
        at += key.length;
        at = putInt(block, at, flags);
        at = putLong(block, at, cas);
        at = putLong(block, at, expiresAtMillis);
        at = putInt(block, at, value.length);
        System.arraycopy(value, 0, block, at, value.length);
        length = at + value.length;
        count++;
        items++;
        bytes += key.length + value.length;
    }

    /** Writes the last items and the END block; the caller then flushes and syncs the stream. */
    void finish() throws IOException {
        if (count > 0) {
            flushBlock(SnapshotFormat.ITEMS);
        }
        int at = putLong(block, length, items);
        length = putLong(block, at, bytes);
        flushBlock(SnapshotFormat.END);
    }

    long items() {
        return items;
    }

    /** Key and value bytes written so far. */
    long bytes() {
        return bytes;
    }

    private void flushBlock(byte type) throws IOException {
        block[0] = type;
        putInt(block, 1, count);
        putInt(block, 5, length - SnapshotFormat.BLOCK_HEADER);
        crc.reset();
        crc.update(block, 0, length);
        putInt(block, length, (int) crc.getValue());
        out.write(block, 0, length + 4);
        length = SnapshotFormat.BLOCK_HEADER;
        count = 0;
        if (block.length > 2 * (SnapshotFormat.BLOCK_HEADER + SnapshotFormat.BLOCK_TARGET)) {
            // One large item grew the buffer: give it back rather than hold it until the next snapshot.
            block = new byte[SnapshotFormat.BLOCK_HEADER + SnapshotFormat.BLOCK_TARGET + 4096];
        }
        afterBlock.run();
    }

    private static int putShort(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
        return at + 2;
    }

    private static int putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
        return at + 4;
    }

    private static int putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        return putInt(b, at + 4, (int) v);
    }
}
