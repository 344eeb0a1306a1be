package org.bastion.migrate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.bastion.snapshot.SnapshotFile;

/**
 * Copies a live memcached 1.6 (or a Bastion) into a Bastion: {@code lru_crawler metadump all} lists every key with its
 * expiry, and {@code concurrency} workers each read items with {@code mg <key> s v f t c} and hand them to a
 * {@link Target}: a running server (written with {@code ms ... F T E}, so flags, remaining TTL and CAS survive) or a
 * snapshot file for a server about to start. Keys that expired, vanished or are over the item size limit are skipped
 * and counted. The key list streams through a bounded queue: memory stays small whatever the source holds.
 */
public final class Migration {
    /** Where copied items go; called from several workers at once. */
    public interface Target extends AutoCloseable {
        /** False when the target refused the item. {@code ttlSeconds}: time left, 0 for never. */
        boolean put(byte[] key, byte[] value, int flags, long ttlSeconds, long cas) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** The counts at the end. */
    public record Summary(long listed, long copied, long bytes, long expired, long tooLarge, long vanished,
            long refused, double seconds) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "copied %,d items (%.1f MB) of %,d listed in %.1f s; skipped %,d"
                    + " expired, %,d too large, %,d gone before they were read, %,d refused by the target", copied,
                    bytes / 1e6, listed, seconds, expired, tooLarge, vanished, refused);
        }
    }

    private static final byte[] DONE = new byte[0];
    private static final int TIMEOUT_MILLIS = 30_000;
    private final InetSocketAddress from;
    private final int concurrency;
    private final int maxItemSize;
    private final Consumer<String> log;
    private final AtomicLong listed = new AtomicLong();
    private final AtomicLong copied = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();
    private final AtomicLong tooLarge = new AtomicLong();
    private final AtomicLong vanished = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    public Migration(InetSocketAddress from, int concurrency, int maxItemSize, Consumer<String> log) {
        if (concurrency < 1 || concurrency > 256) {
            throw new IllegalArgumentException("--concurrency: " + concurrency + " is outside 1..256");
        }
        this.from = from;
        this.concurrency = concurrency;
        this.maxItemSize = maxItemSize;
        this.log = log;
    }

    /** Copies everything into {@code target}; the first I/O failure stops every worker and is thrown. */
    public Summary run(Target target) throws IOException, InterruptedException {
        long start = System.nanoTime();
        BlockingQueue<byte[]> keys = new ArrayBlockingQueue<>(10_000);
        List<Thread> workers = new ArrayList<>();
        IOException[] failure = new IOException[1];
        for (int i = 0; i < concurrency; i++) {
            Thread t = new Thread(() -> {
                try (TextConnection source = new TextConnection(from, TIMEOUT_MILLIS)) {
                    while (true) {
                        byte[] key = keys.take();
                        if (key == DONE) {
                            return;
                        }
                        copy(source, key, target);
                    }
                } catch (IOException e) {
                    synchronized (failure) {
                        if (failure[0] == null) {
                            failure[0] = e;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bastion-migrate-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
        long nextLog = System.nanoTime() + 5_000_000_000L;
        try (TextConnection dump = new TextConnection(from, TIMEOUT_MILLIS)) {
            dump.send("lru_crawler metadump all\r\n");
            dump.flush();
            long now = System.currentTimeMillis() / 1000;
            while (true) {
                String line = dump.line();
                if (line.equals("END")) {
                    break;
                }
                if (line.startsWith("ERROR") || line.startsWith("CLIENT_ERROR") || line.startsWith("SERVER_ERROR")) {
                    throw new IOException(from + " refused lru_crawler metadump: " + line
                            + " (is it memcached 1.6 without -X, and not busy crawling?)");
                }
                String key = field(line, "key=");
                if (key == null) {
                    continue;
                }
                listed.incrementAndGet();
                String exp = field(line, "exp=");
                if (exp != null && !exp.equals("-1") && !exp.equals("0") && Long.parseLong(exp) <= now) {
                    expired.incrementAndGet();
                    continue;
                }
                while (!keys.offer(uriDecode(key), 1, TimeUnit.SECONDS)) {
                    if (failedOrDead(failure, workers)) {
                        break;
                    }
                }
                if (System.nanoTime() > nextLog) {
                    nextLog = System.nanoTime() + 5_000_000_000L;
                    progress(start);
                }
                if (failedOrDead(failure, workers)) {
                    break;
                }
            }
        } finally {
            for (int i = 0; i < workers.size(); i++) {
                while (!keys.offer(DONE, 1, TimeUnit.SECONDS)) {
                    if (failedOrDead(failure, workers)) {
                        keys.clear();
                    }
                }
            }
            for (Thread t : workers) {
                t.join(TimeUnit.MINUTES.toMillis(5));
            }
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return new Summary(listed.get(), copied.get(), bytes.get(), expired.get(), tooLarge.get(), vanished.get(),
                refused.get(), (System.nanoTime() - start) / 1e9);
    }

    private void progress(long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        log.accept(String.format(Locale.ROOT, "migrate: %,d listed, %,d copied, %.1f MB, %.1f MB/s, %,.0f items/s",
                listed.get(), copied.get(), bytes.get() / 1e6, bytes.get() / 1e6 / seconds, copied.get() / seconds));
    }

    private static boolean failedOrDead(IOException[] failure, List<Thread> workers) {
        synchronized (failure) {
            if (failure[0] != null) {
                return true;
            }
        }
        return workers.stream().noneMatch(Thread::isAlive);
    }

    /** One item: {@code mg} for size, value, flags, TTL and CAS; then into the target. */
    private void copy(TextConnection source, byte[] key, Target target) throws IOException {
        source.send("mg ");
        source.send(key);
        source.send(" s v f t c\r\n");
        source.flush();
        String head = source.line();
        if (head.equals("EN")) {
            vanished.incrementAndGet();
            return;
        }
        if (!head.startsWith("VA ")) {
            throw new IOException(from + " answered mg with: " + head);
        }
        String[] tokens = head.split(" ");
        int size = Integer.parseInt(tokens[1]);
        byte[] value = source.data(size);
        int flags = 0;
        long ttl = -1;
        long cas = 0;
        for (int i = 2; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.isEmpty()) {
                continue;
            }
            switch (t.charAt(0)) {
                case 'f' -> flags = (int) Long.parseLong(t.substring(1));
                case 't' -> ttl = Long.parseLong(t.substring(1));
                case 'c' -> cas = Long.parseUnsignedLong(t.substring(1));
                default -> { }
            }
        }
        if (ttl == 0) {
            // Less than a second left: expired by the time it would be read from the target.
            expired.incrementAndGet();
            return;
        }
        if (size > maxItemSize) {
            tooLarge.incrementAndGet();
            return;
        }
        if (target.put(key, value, flags, ttl < 0 ? 0 : ttl, cas)) {
            copied.incrementAndGet();
            bytes.addAndGet(key.length + value.length);
        } else {
            refused.incrementAndGet();
        }
    }

    static String field(String line, String name) {
        int at = line.startsWith(name) ? 0 : line.indexOf(" " + name);
        if (at < 0) {
            return null;
        }
        int from = at == 0 ? name.length() : at + 1 + name.length();
        int end = line.indexOf(' ', from);
        return line.substring(from, end < 0 ? line.length() : end);
    }

    /** metadump's keys are URI-encoded. */
    static byte[] uriDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write((byte) c);
            }
        }
        return out.toByteArray();
    }

    /** A running server, written over {@code concurrency} connections with meta {@code ms}. */
    public static Target server(InetSocketAddress to, int concurrency) {
        return new Target() {
            private final ThreadLocal<TextConnection> connection = new ThreadLocal<>();
            private final List<TextConnection> all = new ArrayList<>();

            @Override
            public boolean put(byte[] key, byte[] value, int flags, long ttlSeconds, long cas) throws IOException {
                TextConnection c = connection.get();
                if (c == null) {
                    c = new TextConnection(to, TIMEOUT_MILLIS);
                    connection.set(c);
                    synchronized (all) {
                        all.add(c);
                    }
                }
                // Past 30 days a TTL would read as a Unix time: send it as one.
                long t = ttlSeconds > 2_592_000 ? System.currentTimeMillis() / 1000 + ttlSeconds : ttlSeconds;
                c.send("ms ");
                c.send(key);
                c.send(" " + value.length + " F" + Integer.toUnsignedString(flags) + " T" + t
                        + (cas != 0 ? " E" + Long.toUnsignedString(cas) : "") + "\r\n");
                c.send(value);
                c.send("\r\n");
                c.flush();
                String reply = c.line();
                if (reply.startsWith("HD")) {
                    return true;
                }
                if (reply.startsWith("SERVER_ERROR") || reply.startsWith("NS")) {
                    return false;
                }
                throw new IOException(to + " answered ms with: " + reply);
            }

            @Override
            public void close() throws IOException {
                synchronized (all) {
                    for (TextConnection c : all) {
                        c.close();
                    }
                }
            }
        };
    }

    /**
     * Runs the migration into a snapshot file for a server about to start ({@code --snapshot-file}): written as any
     * snapshot, to a temporary file renamed into place once durable.
     */
    public Summary toSnapshot(java.nio.file.Path file, String writerVersion) throws IOException,
            InterruptedException {
        Summary[] summary = new Summary[1];
        SnapshotFile.write(file, writerVersion, to -> {
            Target writer = new Target() {
                @Override
                public synchronized boolean put(byte[] key, byte[] value, int flags, long ttl, long cas)
                        throws IOException {
                    to.item(key, value, flags, cas, ttl == 0 ? 0 : System.currentTimeMillis() + ttl * 1000);
                    return true;
                }

                @Override
                public void close() {
                }
            };
            try {
                summary[0] = run(writer);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }, -1, log, null);
        return summary[0];
    }
}
