package org.bastion.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.bastion.store.Item;
import org.bastion.store.Store;

/**
 * The one place that knows how the store holds an item: streams live items out, most recently used first, through
 * {@link Store#forEachLiveRecentFirst} and puts loaded ones back through {@link Store#restore}. Expiry is converted
 * between the store clock's nanoseconds and the file's absolute Unix milliseconds, so a TTL keeps counting down while
 * the server is stopped.
 */
final class StoreItems implements SnapshotFile.Source {
    private final Store store;

    StoreItems(Store store) {
        this.store = store;
    }

    @Override
    public void forEach(SnapshotFile.Items to) throws IOException {
        long nanoNow = store.clock().nanoTime();
        long wallNow = store.clock().wallMillis();
        try {
            store.forEachLiveRecentFirst((key, item) -> {
                long expires = item.expiresAt == Item.NEVER ? 0
                        : Math.max(1, wallNow + Math.floorDiv(item.expiresAt - nanoNow, 1_000_000L));
                try {
                    to.item(key.bytes(), item.value, item.flags, item.cas, expires);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** What a load did with each item. */
    static final class Loaded implements SnapshotFile.Items {
        private final Store store;
        private final long wallNow;
        long read;
        long restored;
        long expired;
        long refused;
        long leftOut;
        long bytes;

        Loaded(Store store) {
            this.store = store;
            this.wallNow = store.clock().wallMillis();
        }

        @Override
        public void item(byte[] key, byte[] value, int flags, long cas, long expiresAtMillis) {
            read++;
            long remaining = 0;
            if (expiresAtMillis != 0) {
                long leftMillis = expiresAtMillis - wallNow;
                if (leftMillis <= 0) {
                    expired++;
                    return;
                }
                remaining = leftMillis * 1_000_000L;
            }
            if (!store.hasRoomFor(key.length, value.length)) {
                // The file holds the most recently used first: once the store is full, the rest are the colder ones.
                // Evicting for them would be worse than random: the admission policy knows none of them yet, and
                // was seen to keep the last ones loaded.
                leftOut++;
                return;
            }
            if (store.restore(key, value, flags, remaining, cas)) {
                restored++;
                bytes += key.length + value.length;
            } else {
                refused++;
            }
        }
    }
}
