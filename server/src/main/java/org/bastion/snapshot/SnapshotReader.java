package org.bastion.snapshot;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads a {@link SnapshotFormat} stream, checking every checksum, and hands each item of a verified block to a
 * {@link Sink}. Any flaw (a bad magic, a newer format, a checksum, a block cut short, no END block, bytes after it) is
 * a {@link SnapshotException} naming the block and the byte offset. Callers that must not act on half a file read it
 * twice: once with no sink to verify it whole, then to load it.
 */
final class SnapshotReader {
    /** Where the items go. */
    interface Sink {
        void item(byte[] key, byte[] value, int flags, long cas, long expiresAtMillis);
    }

    /** What a complete read found. */
    record Summary(SnapshotFormat.Header header, long items, long bytes, long blocks, long fileBytes) {
    }

    private final InputStream in;
    private final String name;
    private final CRC32C crc = new CRC32C();
    private long offset;
    private byte[] payload = new byte[SnapshotFormat.BLOCK_HEADER + SnapshotFormat.BLOCK_TARGET + 4096];

    /** @param name how messages name the file */
    SnapshotReader(InputStream in, String name) {
        this.in = in;
        this.name = name;
    }

    /**
     * Reads the whole stream.
     *
     * @param sink receives each item once its block is verified; null only verifies
     * @param progress told the bytes read so far after each block; may be null
     */
    Summary read(Sink sink, java.util.function.LongConsumer progress) throws SnapshotException, IOException {
        SnapshotFormat.Header header = readHeader();
        long items = 0;
        long bytes = 0;
        long blocks = 0;
        while (true) {
            long blockStart = offset;
            blocks++;
            byte[] head = new byte[SnapshotFormat.BLOCK_HEADER];
            if (!readFully(head, 0, head.length)) {
                throw corrupt("torn: the file ends after " + (blocks - 1) + " blocks, without its END block"
                        + " (the writer stopped before finishing)", blockStart);
            }
            byte type = head[0];
            int count = ByteBuffer.wrap(head, 1, 4).getInt();
            int length = ByteBuffer.wrap(head, 5, 4).getInt();
            if ((type != SnapshotFormat.ITEMS && type != SnapshotFormat.END) || length < 0
                    || length > SnapshotFormat.MAX_PAYLOAD || count < 0) {
                throw corrupt("block " + blocks + " has a malformed header (type " + type + ", length " + length
                        + ")", blockStart);
            }
            if (payload.length < SnapshotFormat.BLOCK_HEADER + length + 4) {
                payload = new byte[SnapshotFormat.BLOCK_HEADER + length + 4];
            }
            System.arraycopy(head, 0, payload, 0, head.length);
            if (!readFully(payload, SnapshotFormat.BLOCK_HEADER, length + 4)) {
                throw corrupt("torn: block " + blocks + " is cut short (the writer stopped in the middle of it)",
                        blockStart);
            }
            crc.reset();
            crc.update(payload, 0, SnapshotFormat.BLOCK_HEADER + length);
            int stored = ByteBuffer.wrap(payload, SnapshotFormat.BLOCK_HEADER + length, 4).getInt();
            if (stored != (int) crc.getValue()) {
                throw corrupt("block " + blocks + " fails its CRC32C checksum", blockStart);
            }
            ByteBuffer b = ByteBuffer.wrap(payload, SnapshotFormat.BLOCK_HEADER, length);
            if (type == SnapshotFormat.END) {
                if (length != 16 || count != 0) {
                    throw corrupt("the END block is malformed", blockStart);
                }
                long total = b.getLong();
                long totalBytes = b.getLong();
                if (total != items || totalBytes != bytes) {
                    throw corrupt("the END block counts " + total + " items but the file holds " + items, blockStart);
                }
                if (in.read() != -1) {
                    throw corrupt("bytes follow the END block", offset);
                }
                if (progress != null) {
                    progress.accept(offset);
                }
                return new Summary(header, items, bytes, blocks, offset);
            }
            // Parsed in full before any item is handed on: a malformed block gives nothing to the sink.
            long[] parsed = parseItems(b, count, blocks, blockStart, null);
            if (sink != null) {
                parseItems(ByteBuffer.wrap(payload, SnapshotFormat.BLOCK_HEADER, length), count, blocks, blockStart,
                        sink);
            }
            items += count;
            bytes += parsed[0];
            if (progress != null) {
                progress.accept(offset);
            }
        }
    }

    /** Walks a block's items, handing them to the sink when given; returns the key and value bytes. */
    private long[] parseItems(ByteBuffer b, int count, long block, long blockStart, Sink sink)
            throws SnapshotException {
        long bytes = 0;
        try {
            for (int i = 0; i < count; i++) {
                int keyLength = b.getShort() & 0xFFFF;
                if (keyLength == 0 || keyLength > b.remaining()) {
                    throw corrupt("block " + block + ", item " + (i + 1) + " has a malformed key length", blockStart);
                }
                byte[] key = sink == null ? null : new byte[keyLength];
                if (key != null) {
                    b.get(key);
                } else {
                    b.position(b.position() + keyLength);
                }
                int flags = b.getInt();
                long cas = b.getLong();
                long expires = b.getLong();
                int valueLength = b.getInt();
                if (valueLength < 0 || valueLength > b.remaining()) {
                    throw corrupt("block " + block + ", item " + (i + 1) + " has a malformed value length", blockStart);
                }
                if (sink != null) {
                    byte[] value = new byte[valueLength];
                    b.get(value);
                    sink.item(key, value, flags, cas, expires);
                } else {
                    b.position(b.position() + valueLength);
                }
                bytes += keyLength + valueLength;
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw corrupt("block " + block + " ends inside an item", blockStart);
        }
        if (b.hasRemaining()) {
            throw corrupt("block " + block + " has " + b.remaining() + " bytes after its " + count + " items",
                    blockStart);
        }
        return new long[] {bytes};
    }

    private SnapshotFormat.Header readHeader() throws SnapshotException, IOException {
        byte[] start = new byte[SnapshotFormat.MAGIC.length + 4];
        if (!readFully(start, 0, start.length)
                || !Arrays.equals(start, 0, SnapshotFormat.MAGIC.length, SnapshotFormat.MAGIC, 0,
                        SnapshotFormat.MAGIC.length)) {
            throw new SnapshotException(name + ": not a Bastion snapshot (no BASTSNAP header)");
        }
        ByteBuffer b = ByteBuffer.wrap(start, SnapshotFormat.MAGIC.length, 4);
        int version = b.getShort() & 0xFFFF;
        int versionLength = b.getShort() & 0xFFFF;
        if (version < 1 || version > SnapshotFormat.CURRENT_VERSION) {
            throw new SnapshotException(name + ": snapshot format " + version + " is newer than this Bastion reads"
                    + " (formats 1.." + SnapshotFormat.CURRENT_VERSION + "); load it with the release that wrote it"
                    + " or a later one");
        }
        if (versionLength > SnapshotFormat.MAX_VERSION_LENGTH) {
            throw corrupt("the header is malformed", 0);
        }
        byte[] rest = new byte[versionLength + 8 + 4];
        if (!readFully(rest, 0, rest.length)) {
            throw corrupt("torn: the file ends inside its header", 0);
        }
        crc.reset();
        crc.update(start);
        crc.update(rest, 0, versionLength + 8);
        ByteBuffer r = ByteBuffer.wrap(rest);
        String writer = new String(rest, 0, versionLength, StandardCharsets.UTF_8);
        r.position(versionLength);
        long writtenAt = r.getLong();
        if (r.getInt() != (int) crc.getValue()) {
            throw corrupt("the header fails its CRC32C checksum", 0);
        }
        return new SnapshotFormat.Header(version, writer, writtenAt);
    }

    /** Reads exactly {@code n} bytes; false when the stream ends first (the caller says what was cut short). */
    private boolean readFully(byte[] into, int at, int n) throws IOException {
        int done = 0;
        while (done < n) {
            int r;
            try {
                r = in.read(into, at + done, n - done);
            } catch (EOFException e) {
                r = -1;
            }
            if (r < 0) {
                return false;
            }
            done += r;
            offset += r;
        }
        return true;
    }

    private SnapshotException corrupt(String what, long at) {
        return new SnapshotException(name + ": " + what + ", at byte " + at + "; the file is refused whole");
    }
}
