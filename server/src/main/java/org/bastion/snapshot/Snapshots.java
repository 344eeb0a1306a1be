package org.bastion.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.bastion.store.Store;

/**
 * One server's snapshots: loaded once before the server listens, written on a graceful stop, on request (the
 * {@code snapshot} command) and every {@code --snapshot-interval} seconds. Writes run one at a time on this service's
 * own thread and stream the store's items as the event loops keep serving (no pause, no copy of the store): the file
 * holds each item as it was when the walk reached it.
 */
public final class Snapshots {
    /**
     * Test hook (a system property): milliseconds to sleep after each block written, so a test can kill the process
     * in the middle of a write. Unset in production.
     */
    public static final String PAUSE_PROPERTY = "bastion.snapshot.pauseBetweenBlocksMillis";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("org.bastion.snapshot");

    private final Store store;
    private final Path file;
    private final int intervalSeconds;
    private final boolean corruptStartsEmpty;
    private final String version;
    private final Consumer<String> log;
    private final ScheduledThreadPoolExecutor executor;
    private final long pauseMillis = Long.getLong(PAUSE_PROPERTY, 0);
    /** Set once the server is serving: only then does a stop write (a failed start must not overwrite the file). */
    private volatile boolean armed;
    private volatile long lastWrittenMillis;
    private volatile SnapshotFile.Written lastWritten;
    private final java.util.concurrent.atomic.AtomicLong writes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private volatile Loaded loaded;

    /** What the load at start-up did. */
    public record Loaded(boolean found, long read, long restored, long expired, long refused, long leftOut,
            boolean setAside, String summary) {
    }

    public Snapshots(Store store, Path file, int intervalSeconds, boolean corruptStartsEmpty, String version,
            ThreadFactory threads) {
        this(store, file, intervalSeconds, corruptStartsEmpty, version, threads, LOG::info);
    }

    public Snapshots(Store store, Path file, int intervalSeconds, boolean corruptStartsEmpty, String version,
            ThreadFactory threads, Consumer<String> log) {
        this.store = store;
        this.file = file;
        this.intervalSeconds = intervalSeconds;
        this.corruptStartsEmpty = corruptStartsEmpty;
        this.version = version;
        this.log = log;
        this.executor = new ScheduledThreadPoolExecutor(1, threads);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Bastion's own version, as the jar's manifest says: each snapshot's header records its writer. */
    public static String bastionVersion() {
        String v = Snapshots.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    public Path file() {
        return file;
    }

    /**
     * Loads the file into the (empty) store. No file: nothing to do. A torn or corrupt file is refused whole: with
     * {@code --snapshot-on-error empty} it is renamed aside and the server starts empty, else this throws.
     */
    public Loaded load() throws SnapshotException {
        Path tmp = SnapshotFile.temporary(file);
        try {
            if (Files.deleteIfExists(tmp)) {
                log.accept("removed " + tmp + ", an unfinished snapshot write (the previous stop was not graceful)");
            }
        } catch (IOException e) {
            log.accept("could not remove " + tmp + ": " + e.getMessage());
        }
        if (!Files.exists(file)) {
            loaded = new Loaded(false, 0, 0, 0, 0, 0, false, "no snapshot at " + file + ": starting empty");
            log.accept(loaded.summary());
            return loaded;
        }
        StoreItems.Loaded sink = new StoreItems.Loaded(store);
        try {
            SnapshotFormat.Header header = SnapshotFile.load(file, sink, log);
            // Left out: not loaded once the store was full, and any the store evicted while loading.
            long evicted = Math.max(0, sink.restored - store.itemCount());
            long leftOut = sink.leftOut + evicted;
            String summary = "loaded " + (sink.restored - evicted) + " items (" + sink.bytes + " bytes) from " + file
                    + " written by Bastion " + header.writerVersion() + " (format " + header.formatVersion() + ")"
                    + "; skipped " + sink.expired + " expired, refused " + sink.refused + " over -I"
                    + ", left out " + leftOut + " beyond -m";
            loaded = new Loaded(true, sink.read, sink.restored - evicted, sink.expired, sink.refused, leftOut, false,
                    summary);
            log.accept(summary);
            return loaded;
        } catch (SnapshotException e) {
            if (sink.read > 0) {
                // Verified whole before loading, so only an I/O error in the second pass gets here: drop what came in.
                store.flushAll(0);
            }
            if (!corruptStartsEmpty) {
                throw new SnapshotException(e.getMessage() + ". Not starting: move the file away, or start with"
                        + " --snapshot-on-error empty to set it aside and start empty", e);
            }
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + System.currentTimeMillis());
            try {
                Files.move(file, aside);
            } catch (IOException moveFailed) {
                throw new SnapshotException(e.getMessage() + "; and it could not be set aside: "
                        + moveFailed.getMessage(), e);
            }
            loaded = new Loaded(true, 0, 0, 0, 0, 0, true, e.getMessage() + ". Set aside as " + aside
                    + "; starting empty (--snapshot-on-error empty)");
            log.accept(loaded.summary());
            return loaded;
        }
    }

    /** The load's report, or null before {@link #load()}. */
    public Loaded loaded() {
        return loaded;
    }

    /** The server serves now: stops write from here on, and periodic writes start. */
    public synchronized void arm() {
        if (armed) {
            return;
        }
        armed = true;
        if (intervalSeconds > 0) {
            executor.scheduleWithFixedDelay(this::periodic, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
        }
    }

    private void periodic() {
        try {
            writeNow();
        } catch (IOException | RuntimeException e) {
            log.accept("periodic snapshot failed, the previous one is kept: " + e.getMessage());
        }
    }

    /**
     * Writes a snapshot after any write in progress; the future completes once the file is durable (or with the
     * failure).
     */
    public CompletableFuture<SnapshotFile.Written> request() {
        CompletableFuture<SnapshotFile.Written> done = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    done.complete(writeNow());
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.completeExceptionally(new IOException("the server is stopping"));
        }
        return done;
    }

    /** {@link #request()}, waiting until the file is durable. */
    public SnapshotFile.Written requestAndWait() throws IOException {
        try {
            return request().join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        }
    }

    /** Unix millis of the last successful write, 0 when none since start. */
    public long lastWrittenMillis() {
        return lastWrittenMillis;
    }

    /**
     * The figures for {@code stats}, as name/value pairs: writes and failures since start, the last write's time (unix
     * seconds, 0 for none), items, file bytes and duration, and the items the start-up load restored.
     */
    public String[][] figures() {
        SnapshotFile.Written last = lastWritten;
        Loaded load = loaded;
        return new String[][] {
            {"snapshot_writes", Long.toString(writes.get())},
            {"snapshot_failures", Long.toString(failures.get())},
            {"snapshot_last_write", Long.toString(lastWrittenMillis / 1000)},
            {"snapshot_last_items", Long.toString(last == null ? 0 : last.items())},
            {"snapshot_last_file_bytes", Long.toString(last == null ? 0 : last.fileBytes())},
            {"snapshot_last_seconds",
                String.format(java.util.Locale.ROOT, "%.3f", last == null ? 0.0 : last.seconds())},
            {"snapshot_loaded_items", Long.toString(load == null ? 0 : load.restored())},
        };
    }

    private SnapshotFile.Written writeNow() throws IOException {
        SnapshotFile.Written written;
        try {
            written = SnapshotFile.write(file, version, new StoreItems(store), store.itemCount(), log,
                    pauseMillis > 0 ? this::pause : null);
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            throw e;
        }
        lastWritten = written;
        writes.incrementAndGet();
        lastWrittenMillis = System.currentTimeMillis();
        return written;
    }

    private void pause() {
        try {
            Thread.sleep(pauseMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The graceful stop, once clients are gone: writes the final snapshot (after any write in progress) when the
     * server was serving, then ends the thread.
     */
    public void close() {
        if (armed) {
            armed = false;
            try {
                request().join();
            } catch (java.util.concurrent.CompletionException e) {
                log.accept("snapshot on stop failed, the previous one is kept: " + e.getCause().getMessage());
            }
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
