package org.bastion.snapshot;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.function.Consumer;

/**
 * Snapshot files on disk. A write goes to {@code <file>.tmp} (owner-only permissions: it holds every cached value),
 * is fsynced, renamed over the file and the directory fsynced, so a crash or {@code kill -9} at any moment leaves
 * either the previous snapshot or the new one, whole. A read verifies every checksum before any item is handed on.
 */
public final class SnapshotFile {
    private SnapshotFile() {
    }

    /** Something that can hand over items one by one (a store, a migration). */
    public interface Source {
        void forEach(Items to) throws IOException;
    }

    /** Receives items; {@code expiresAtMillis} is a Unix time in milliseconds, 0 for never. */
    public interface Items {
        void item(byte[] key, byte[] value, int flags, long cas, long expiresAtMillis) throws IOException;
    }

    /** A written snapshot. */
    public record Written(Path file, long items, long bytes, long fileBytes, double seconds, String summary) {
    }

    /** What a verified file holds, with the spread of its expiry times for {@code bastion snapshot inspect}. */
    public record Contents(SnapshotFormat.Header header, long items, long bytes, long blocks, long fileBytes,
            long[] expirySpread) {
        /** The buckets of {@link #expirySpread}, relative to when it was read. */
        public static final String[] BUCKETS = {"never", "expired", "< 1 min", "< 1 h", "< 1 day", "< 30 days",
                ">= 30 days"};
    }

    /** The temporary file a write goes to before it is renamed over {@code file}. */
    public static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /**
     * Writes a snapshot of {@code source} to {@code file}, durably.
     *
     * @param expectedItems for progress, or -1
     * @param afterBlock run after each block (a test's pause); may be null
     */
    public static Written write(Path file, String writerVersion, Source source, long expectedItems,
            Consumer<String> log, Runnable afterBlock) throws IOException {
        Path tmp = temporary(file);
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
            Files.newOutputStream(tmp).close();
        }
        Progress progress = new Progress("snapshot write " + file, expectedItems, -1, log);
        SnapshotWriter[] writer = new SnapshotWriter[1];
        long fileBytes;
        try (FileChannel channel = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            writer[0] = new SnapshotWriter(out, writerVersion, System.currentTimeMillis(), () -> {
                progress.update(writer[0].items(), writer[0].bytes());
                if (afterBlock != null) {
                    afterBlock.run();
                }
            });
            source.forEach(writer[0]::add);
            writer[0].finish();
            out.flush();
            channel.force(true);
            fileBytes = channel.size();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw new IOException(file + ": cannot rename a file into place atomically on this file system", e);
        }
        syncDirectory(file.toAbsolutePath().getParent());
        String summary = progress.done(writer[0].items(), writer[0].bytes(), fileBytes + " bytes on disk, durable");
        return new Written(file, writer[0].items(), writer[0].bytes(), fileBytes, progress.seconds(), summary);
    }

    /** The directory entry of a renamed file is durable only once its directory is synced. */
    static void syncDirectory(Path dir) throws IOException {
        if (dir == null) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open a directory for syncing; the rename is then as durable as they make it.
            if (!(e.getMessage() != null && e.getMessage().contains("Is a directory"))) {
                throw e;
            }
        }
    }

    /** Checks every checksum of the file and returns what it holds; an unusable file throws with the reason. */
    public static Contents verify(Path file) throws SnapshotException {
        long now = System.currentTimeMillis();
        long[] spread = new long[Contents.BUCKETS.length];
        SnapshotReader.Summary s = read(file, (key, value, flags, cas, expires) -> spread[bucket(expires, now)]++,
                null, false);
        return new Contents(s.header(), s.items(), s.bytes(), s.blocks(), s.fileBytes(), spread);
    }

    private static int bucket(long expiresAtMillis, long now) {
        if (expiresAtMillis == 0) {
            return 0;
        }
        long left = expiresAtMillis - now;
        if (left <= 0) {
            return 1;
        }
        long[] limits = {60_000L, 3_600_000L, 86_400_000L, 30 * 86_400_000L};
        for (int i = 0; i < limits.length; i++) {
            if (left < limits[i]) {
                return 2 + i;
            }
        }
        return 6;
    }

    /**
     * Loads a file into {@code sink}: verified whole first, so a flaw anywhere hands over nothing, then read again
     * for the items.
     */
    public static SnapshotFormat.Header load(Path file, Items sink, Consumer<String> log) throws SnapshotException {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new SnapshotException(file + ": cannot read: " + e.getMessage(), e);
        }
        read(file, null, null, false);
        Progress progress = new Progress("snapshot load " + file, -1, size, log);
        long[] counts = new long[2];
        SnapshotReader.Summary s = read(file, (key, value, flags, cas, expires) -> {
            try {
                sink.item(key, value, flags, cas, expires);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            counts[0]++;
            counts[1] += key.length + value.length;
        }, bytesRead -> progress.update(counts[0], bytesRead), true);
        return s.header();
    }

    private static SnapshotReader.Summary read(Path file, SnapshotReader.Sink sink,
            java.util.function.LongConsumer progress, boolean loading) throws SnapshotException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return new SnapshotReader(in, file.toString()).read(sink, progress);
        } catch (NoSuchFileException e) {
            throw new SnapshotException(file + ": no such file", e);
        } catch (IOException | UncheckedIOException e) {
            throw new SnapshotException(file + ": cannot read" + (loading ? " while loading" : "") + ": "
                    + e.getMessage(), e);
        }
    }
}
