package org.bastion.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The item store: Caffeine bounded by weight (key + value + a measured per-entry overhead), with memcached's expiry,
 * CAS and flush rules. Every operation is atomic per key and safe to call from any event loop.
 *
 * <p>Long because every operation on an item is one atomic Caffeine compute with memcached's rules inside it (expiry,
 * flush cut-off, CAS, append limits, meta's stale and win flags); keeping them in one class keeps those rules in one
 * place and the map private.
 */
public final class Store {
    /**
     * Heap bytes per entry beyond the key object ({@link Key#heapBytes}) and the value's bytes (64-bit JVM, compressed
     * oops), as JOL lays them out: Caffeine's node 40 (no expiry fields: see the builder), the map's node 32 and
     * table slot ~4-8, Item 48, and the value array's header of 16 with its padding. Measured with
     * {@code bench/.../StoreFootprint} (used heap after full GCs, before and after storing the items), beyond the
     * 32 B key object of a 14 B key and the value bytes: 141.5 B per item for 300,000 items of 100 B values, 137.5 B
     * with 4 KiB values, 146.7-148.7 B for 1,000,000 items (the map's table grows in powers of two). 146 is the
     * middle; it keeps {@code -m} within about 2% of the heap really used.
     */
    public static final int ENTRY_OVERHEAD = 146;
    /** Relative expiry times up to 30 days; anything larger is an absolute Unix time. */
    static final long MAX_RELATIVE_EXPTIME = 60L * 60 * 24 * 30;
    /**
     * The sweeper reclaims an expired item only this long after its deadline. Until then a read still finds it, so it
     * is counted in {@code get_expired} as memcached does.
     */
    private static final long EXPIRY_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Entries the sweeper looks at per write: enough to pass over the whole store many times between evictions. */
    private static final int SWEEP_STEP = 2;
    /**
     * Entries a write sweeps while a pass after {@code flush_all} is on. Flushed items still weigh and still look
     * frequent to Caffeine's admission, which would then turn new items away in their favour, so they must go soon;
     * 64 per write clears a store of a million items in about 16,000 writes, at a few microseconds per write.
     */
    private static final int FLUSH_SWEEP_STEP = 64;
    /** With {@code -M}, a full sweep before refusing a write, at most this often (a refused write costs no walk). */
    private static final long FULL_SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Outcome of a storage command. */
    public enum StoreResult { STORED, NOT_STORED, EXISTS, NOT_FOUND, NO_MEMORY }

    /** How a storage command treats the current item. */
    public enum Mode { SET, ADD, REPLACE, APPEND, PREPEND, CAS }

    private final Cache<Key, Item> cache;
    private final Policy.Eviction<Key, Item> eviction;
    private final Clock clock;
    private final StoreListener listener;
    /** {@code -m} in bytes; changed at run time by {@code cache_memlimit}. */
    private volatile long limitBytes;
    private final boolean evictionsDisabled;
    /** {@code -I}: the largest value, in bytes, that any write may leave under a key (see {@link #fits}). */
    private final int maxItemSize;
    private final AtomicLong casCounter = new AtomicLong();
    private volatile boolean casDisabled;
    /**
     * The last store stamp handed out ({@link #stamp}): clock nanos made strictly increasing, so a stamp orders writes
     * and is also their time. Items carry theirs in {@link Item#storedAt}, whatever CAS a client chose for them.
     */
    private final AtomicLong lastStamp = new AtomicLong(Long.MIN_VALUE);
    /**
     * Items stamped at or before this were flushed by an immediate flush_all. Never a CAS: a client picks CAS values
     * with meta's {@code E}, and a flush cut-off in CAS terms would keep or hide items by the client's choice.
     */
    private volatile long flushedStamp = Long.MIN_VALUE;
    /** Clock nanos of a delayed flush_all's cut-off; 0 when none is pending. */
    private volatile long flushDeadline = 0;
    /**
     * Whether an item with a deadline has ever entered the map; the weigher sees every item that does. Until one has,
     * the sweep would find nothing, so it does not walk the map: each step costs cache misses on every write.
     */
    private volatile boolean deadlinesSeen;
    /** Held by the one thread advancing {@link #sweep}; others skip their share rather than wait. */
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** The sweeper's place in the map: a weakly consistent iterator, restarted when it runs out. */
    private Iterator<Map.Entry<Key, Item>> sweep;
    /** A flush_all took effect: the next sweep starts a pass over the whole map. */
    private volatile boolean flushPassDue;
    /** A pass after a flush is walking the map ({@link #FLUSH_SWEEP_STEP} a write); only the sweeping thread sets it. */
    private volatile boolean flushPass;
    /** The delayed flush deadline whose pass has been started, so each delayed flush starts one. */
    private volatile long delayedFlushSwept;
    /** Clock nanos of the last full sweep ({@code -M} only). */
    private volatile long lastFullSweep = Long.MIN_VALUE;

    /** A store with memcached's default item size limit (1 MiB). */
    public Store(long limitBytes, boolean evictionsDisabled, Clock clock, StoreListener listener) {
        this(limitBytes, evictionsDisabled, org.bastion.config.Settings.DEFAULT_MAX_ITEM_SIZE, clock, listener);
    }

    /** {@code maxItemSize}: {@code -I}, enforced for every write here, including the result of append/prepend. */
    public Store(long limitBytes, boolean evictionsDisabled, int maxItemSize, Clock clock, StoreListener listener) {
        this.maxItemSize = maxItemSize;
        this.clock = clock;
        this.listener = listener;
        this.limitBytes = limitBytes;
        this.evictionsDisabled = evictionsDisabled;
        this.cache = Caffeine.newBuilder()
                // With -M nothing may be evicted: writes that would not fit are refused in write() instead.
                .maximumWeight(evictionsDisabled ? Long.MAX_VALUE : limitBytes)
                .weigher((Key k, Item v) -> {
                    if (v.expiresAt != Item.NEVER && !deadlinesSeen) {
                        deadlinesSeen = true;
                    }
                    return weigh(k, v.value.length);
                })
                // No Caffeine expiry: it would add a timer-wheel position and time to every node (56 B instead of
                // 40). Reads already check deadlines; expired items are reclaimed by the sweep after each write (like
                // memcached's LRU crawler) or evicted as items nobody reads.
                // Maintenance on the calling event loop: no pool threads that would outlive an embedded server.
                .executor(Runnable::run)
                .evictionListener((Key k, Item v, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        listener.evicted(k != null && v != null ? SizeClasses.of(k, v) : 0, v == null || v.fetched());
                        listener.evictedItem(k, v);
                    }
                })
                .build();
        this.eviction = cache.policy().eviction().orElseThrow();
    }

    /** What an item of this key and value length weighs against {@code -m}: its measured heap bytes. */
    public static int weigh(Key key, int valueLength) {
        return weigh(key.length(), valueLength);
    }

    static int weigh(int keyLength, int valueLength) {
        return Key.heapBytes(keyLength) + valueLength + ENTRY_OVERHEAD;
    }

    public Clock clock() {
        return clock;
    }

    /** {@code -I}, the item size limit in value bytes. */
    public int maxItemSize() {
        return maxItemSize;
    }

    /**
     * The item size rule, the one place it is written: a value of {@code valueLength} bytes may be stored. The executor
     * asks it before a write; append/prepend ask it inside their compute, where the combined length is known.
     */
    public boolean fits(long valueLength) {
        return valueLength <= maxItemSize;
    }

    /** Converts memcached's exptime (0, relative seconds, absolute Unix time, or negative) to an Item deadline. */
    public long deadline(long exptime) {
        if (exptime == 0) {
            return Item.NEVER;
        }
        if (exptime < 0) {
            return Item.EXPIRED;
        }
        long now = clock.nanoTime();
        if (exptime <= MAX_RELATIVE_EXPTIME) {
            return now + TimeUnit.SECONDS.toNanos(exptime);
        }
        long untilMillis = exptime * 1000 - clock.wallMillis();
        return untilMillis <= 0 ? Item.EXPIRED : now + TimeUnit.MILLISECONDS.toNanos(untilMillis);
    }

    /** The live item under the key, or null; marks it fetched. The key may be a {@link Key.Probe}: never kept. */
    public Item get(Key key) {
        Item item = cache.getIfPresent(key);
        if (item == null) {
            return null;
        }
        long now = clock.nanoTime();
        if (!isLive(item, now, true)) {
            cache.asMap().remove(key, item);
            return null;
        }
        item.accessedAt(now);
        return item;
    }

    /** Like {@link #get} but without touching access bookkeeping (meta's {@code u} flag, dumps). */
    public Item peek(Key key) {
        Item item = cache.getIfPresent(key);
        return item != null && isLive(item, clock.nanoTime(), false) ? item : null;
    }

    /** gat/touch: gives the live item a new deadline and returns the updated item, or null. */
    public Item touch(Key key, long deadline) {
        Item[] out = new Item[1];
        cache.asMap().compute(key, (k, old) -> {
            long now = clock.nanoTime();
            if (old == null || !isLive(old, now, true)) {
                return null;
            }
            Item updated = new Item(old.value, old.flags, old.cas, deadline, old.storedAt);
            updated.accessedAt(now);
            out[0] = updated;
            return kept(updated, now);
        });
        return out[0];
    }


    /** Result of a write: the outcome and, when stored, the new item. */
    public record WriteResult(StoreResult result, Item item) {
    }

    /**
     * The general write behind every storage command. {@code newCas} forces the stored CAS (meta's {@code E}); 0 takes
     * the next one from the counter.
     */
    public WriteResult write(Mode mode, Key key, int flags, long deadline, byte[] value, long casUnique, long newCas) {
        return write(mode, key, flags, deadline, value, casUnique, newCas, false, false);
    }

    /**
     * {@link #write} with meta's extras: {@code allowStale} lets a CAS older than the item's store the value anyway,
     * marked stale and keeping the old deadline (meta's {@code I} with {@code C}); {@code binaryKey} records that the
     * key arrived base64-encoded.
     */
    public WriteResult write(Mode mode, Key key, int flags, long deadline, byte[] value, long casUnique, long newCas,
            boolean allowStale, boolean binaryKey) {
        sweepFlushedBefore(key);
        if (mode == Mode.SET && !evictionsDisabled) {
            // A plain set does not depend on the old item: a put costs less than compute (no capturing lambda, no
            // result holders) and is just as atomic.
            long now = clock.nanoTime();
            Item next = newItem(value, flags, deadline, now, newCas, binaryKey);
            listener.itemLinked();
            // The map's put hands back the item it replaced, at no extra cost, for the reclaimed count.
            reclaimed(key, cache.asMap().put(key, kept(next, now)), next, now);
            sweepSome(SWEEP_STEP);
            return new WriteResult(StoreResult.STORED, next);
        }
        if (evictionsDisabled) {
            long needed = weigh(key, value.length);
            if (eviction.weightedSize().orElse(0) + needed > limitBytes && !reclaimedEnough(needed)) {
                return new WriteResult(StoreResult.NO_MEMORY, null);
            }
        }
        StoreResult[] result = new StoreResult[1];
        Item[] stored = new Item[1];
        cache.asMap().compute(key, (k, old) -> {
            long now = clock.nanoTime();
            Item current = old != null && isLive(old, now, false) ? old : null;
            Item next;
            switch (mode) {
                case ADD:
                    if (current != null) {
                        result[0] = StoreResult.NOT_STORED;
                        return old;
                    }
                    next = newItem(value, flags, deadline, now, newCas, binaryKey);
                    break;
                case REPLACE:
                    if (current == null) {
                        result[0] = StoreResult.NOT_STORED;
                        return old;
                    }
                    next = newItem(value, flags, deadline, now, newCas, binaryKey);
                    break;
                case APPEND:
                case PREPEND:
                    if (current == null) {
                        result[0] = StoreResult.NOT_STORED;
                        return old;
                    }
                    if (casUnique != 0 && current.cas != casUnique) {
                        result[0] = StoreResult.EXISTS;
                        return old;
                    }
                    if (!fits((long) current.value.length + value.length)) {
                        // memcached cannot allocate the combined item and answers NOT_STORED; the old value stays.
                        result[0] = StoreResult.NOT_STORED;
                        return old;
                    }
                    byte[] joined = mode == Mode.APPEND ? concat(current.value, value) : concat(value, current.value);
                    next = newItem(joined, current.flags, current.expiresAt, now, newCas);
                    break;
                case CAS:
                    if (current == null) {
                        result[0] = StoreResult.NOT_FOUND;
                        return old;
                    }
                    if (current.cas != casUnique) {
                        if (allowStale && Long.compareUnsigned(casUnique, current.cas) < 0) {
                            // An older writer may still store, but its value is marked stale and keeps the TTL.
                            next = new Item(value, flags, newCas != 0 ? newCas : nextCas(),
                                    current.expiresAt, stamp(now), true, current.winSent(), binaryKey);
                            break;
                        }
                        result[0] = StoreResult.EXISTS;
                        return old;
                    }
                    next = newItem(value, flags, deadline, now, newCas, binaryKey);
                    break;
                default:
                    next = newItem(value, flags, deadline, now, newCas, binaryKey);
                    break;
            }
            result[0] = StoreResult.STORED;
            stored[0] = next;
            listener.itemLinked();
            reclaimed(k, old, next, now);
            return kept(next, now);
        });
        // After the write, not before: the sweep must not take this key's dead item before the write has counted it.
        sweepSome(SWEEP_STEP);
        return new WriteResult(result[0], stored[0]);
    }

    /**
     * What a change at {@code now} leaves in the map for its new item (a write, a touch, a meta TTL). An item given a
     * deadline already past is never visible, so its value is dropped at once; its key stays, valueless, until a read
     * counts it in {@code get_expired} (as memcached does) and removes it, or the sweeper takes it like any expired
     * item.
     */
    private static Item kept(Item next, long now) {
        return next.expiresAt == Item.EXPIRED ? next.expiredAt(now) : next;
    }

    /** memcached's {@code reclaimed}: a write that found the key's item dead (expired or flushed) took its place. */
    private void reclaimed(Key key, Item old, Item next, long now) {
        if (old != null && !isLive(old, now, false)) {
            listener.reclaimed(SizeClasses.of(key, next), old.fetched());
        }
    }

    /** Removes the live item; false when there was none. */
    public boolean delete(Key key) {
        return delete(key, 0) == DeleteResult.DELETED;
    }

    /** Outcome of a delete that may compare CAS; INVALIDATED and EMPTIED only come from {@link #metaDelete}. */
    public enum DeleteResult { DELETED, INVALIDATED, EMPTIED, NOT_FOUND, EXISTS }

    /** Removes the live item if {@code expectedCas} is 0 or matches its CAS. */
    public DeleteResult delete(Key key, long expectedCas) {
        DeleteResult[] out = {DeleteResult.NOT_FOUND};
        cache.asMap().computeIfPresent(key, (k, old) -> {
            if (!isLive(old, clock.nanoTime(), false)) {
                return null;
            }
            if (expectedCas != 0 && old.cas != expectedCas) {
                out[0] = DeleteResult.EXISTS;
                return old;
            }
            out[0] = DeleteResult.DELETED;
            return null;
        });
        return out[0];
    }

    /** Removes whatever is under the key, live or not (a failed set drops the old value, as memcached does). */
    public void remove(Key key) {
        cache.invalidate(key);
    }

    /**
     * Outcome of incr/decr. The store itself gives OK, NOT_FOUND, NON_NUMERIC, EXISTS (CAS mismatch) and CREATED (meta's
     * create-on-miss); NOT_STORED and NO_MEMORY come from creating a missing counter
     * (the binary protocol's create-on-miss). {@code previousExpiresAt} is the deadline before any TTL change this
     * call made.
     */
    public record DeltaResult(Kind kind, long value, Item item, long previousExpiresAt) {
        public DeltaResult(Kind kind, long value, Item item) {
            this(kind, value, item, item == null ? Item.NEVER : item.expiresAt);
        }

        public enum Kind { OK, NOT_FOUND, NON_NUMERIC, EXISTS, NOT_STORED, NO_MEMORY, CREATED }
    }

    /** {@link #metaDelta}'s deadline argument meaning "leave the deadline as it is". */
    public static final long KEEP = Long.MIN_VALUE;

    /** incr (wraps at 2^64) or decr (stops at 0) on a decimal value, as memcached does. */
    public DeltaResult delta(Key key, boolean incr, long delta) {
        return delta(key, incr, delta, 0);
    }

    /** As {@link #delta(Key, boolean, long)}, refused with EXISTS when {@code expectedCas} is not 0 and differs. */
    public DeltaResult delta(Key key, boolean incr, long delta, long expectedCas) {
        return metaDelta(key, incr, delta, expectedCas, false, 0, Item.NEVER, KEEP, 0);
    }

    /**
     * incr/decr with meta's options: compare {@code compareCas} first (0 = no compare), create the item with
     * {@code initial} and {@code vivifyDeadline} on a miss when {@code vivify}, give a hit a new deadline unless
     * {@code newDeadline} is {@link #KEEP}, and use {@code newCas} as the resulting CAS when non-zero.
     */
    public DeltaResult metaDelta(Key key, boolean incr, long delta, long compareCas, boolean vivify, long initial,
            long vivifyDeadline, long newDeadline, long newCas) {
        DeltaResult[] out = new DeltaResult[1];
        cache.asMap().compute(key, (k, old) -> {
            long now = clock.nanoTime();
            if (old == null || !isLive(old, now, false)) {
                Item keep = old == null ? null : (old.isExpired(now) ? null : old);
                if (!vivify) {
                    out[0] = new DeltaResult(DeltaResult.Kind.NOT_FOUND, 0, null);
                    return keep;
                }
                Item created = newItem(Numbers.unsignedBytes(initial), 0, vivifyDeadline, now, newCas);
                listener.itemLinked();
                reclaimed(k, old, created, now);
                out[0] = new DeltaResult(DeltaResult.Kind.CREATED, initial, created, Item.NEVER);
                return kept(created, now);
            }
            // memcached's order: an empty value is not a number, then the CAS, then the digits.
            if (old.value.length == 0) {
                out[0] = new DeltaResult(DeltaResult.Kind.NON_NUMERIC, 0, null);
                return old;
            }
            if (compareCas != 0 && old.cas != compareCas) {
                out[0] = new DeltaResult(DeltaResult.Kind.EXISTS, 0, null);
                return old;
            }
            long[] parsed = new long[1];
            if (!Numbers.parseCounter(old.value, parsed)) {
                out[0] = new DeltaResult(DeltaResult.Kind.NON_NUMERIC, 0, null);
                return old;
            }
            long current = parsed[0];
            // incr wraps modulo 2^64 (two's complement addition); decr clamps at zero, comparing unsigned.
            long next = incr ? current + delta : (Long.compareUnsigned(delta, current) > 0 ? 0 : current - delta);
            byte[] digits = Numbers.unsignedBytes(next);
            byte[] stored;
            boolean inPlace = digits.length <= old.value.length;
            if (digits.length < old.value.length) {
                // memcached rewrites in place and pads with spaces when the number got shorter.
                stored = new byte[old.value.length];
                System.arraycopy(digits, 0, stored, 0, digits.length);
                java.util.Arrays.fill(stored, digits.length, stored.length, (byte) ' ');
            } else {
                stored = digits;
            }
            // memcached applies a new TTL to the item it rewrote; when the number grew it wrote a new item instead
            // and the TTL lands on the replaced one, so it is lost. Reproduced for byte-exact meta replies.
            long expiresAt = newDeadline == KEEP || !inPlace ? old.expiresAt : newDeadline;
            // In place, memcached keeps the item header (stale mark, win token, key encoding); a longer number gets
            // a fresh item without them.
            Item item = new Item(stored, old.flags, newCas != 0 ? newCas : nextCas(), expiresAt,
                    stamp(now), inPlace && old.stale(), inPlace && old.winSent(), inPlace && old.binaryKey());
            item.accessLike(old, inPlace && old.fetched());
            out[0] = new DeltaResult(DeltaResult.Kind.OK, next, item, old.expiresAt);
            return kept(item, now);
        });
        return out[0];
    }


    /**
     * Meta delete: when {@code hasCompare}, only if the CAS matches. {@code invalidate} keeps the item but marks it
     * stale with a new CAS (and {@code newDeadline} unless {@link #KEEP}), so the next reader wins the recache;
     * {@code emptyValue} keeps the key with an empty value instead of removing it.
     */
    public DeleteResult metaDelete(Key key, boolean hasCompare, long compareCas, boolean invalidate, boolean emptyValue,
            long newDeadline, long newCas) {
        DeleteResult[] out = {DeleteResult.NOT_FOUND};
        cache.asMap().computeIfPresent(key, (k, old) -> {
            long now = clock.nanoTime();
            if (!isLive(old, now, false)) {
                return old.isExpired(now) ? null : old;
            }
            if (hasCompare && old.cas != compareCas) {
                out[0] = DeleteResult.EXISTS;
                return old;
            }
            long cas = newCas != 0 ? newCas : nextCas();
            long expiresAt = newDeadline == KEEP ? old.expiresAt : newDeadline;
            Item next;
            if (invalidate) {
                next = old.withState(cas, expiresAt, true, false);
                out[0] = DeleteResult.INVALIDATED;
            } else if (emptyValue) {
                next = new Item(new byte[0], old.flags, cas, expiresAt, stamp(now), false, false, old.binaryKey());
                out[0] = DeleteResult.EMPTIED;
            } else {
                out[0] = DeleteResult.DELETED;
                return null;
            }
            return kept(next, now);
        });
        return out[0];
    }

    /**
     * What a meta read saw: the item after the call (null on a miss), its fetched flag and last access before the
     * call, its deadline before any change this call made, and the recache tokens.
     */
    public record ReadResult(Item item, boolean fetchedBefore, long lastAccessBefore, long previousExpiresAt,
            boolean created, boolean won, boolean winSentBefore) {
    }

    /** Options of a meta read; deadlines are {@link #KEEP} or {@link #NO_RECACHE} when not given. */
    public record ReadOptions(boolean bump, long newDeadline, boolean vivify, long vivifyDeadline, boolean vivifyWins,
            long recacheDeadline, boolean recacheAfterTtl, boolean claimWin, long newCas) {
        /** The same read, which may not take the recache token: it stays for the next reader that may. */
        public ReadOptions withoutWin() {
            return claimWin ? new ReadOptions(bump, newDeadline, vivify, vivifyDeadline, vivifyWins, recacheDeadline,
                    recacheAfterTtl, false, newCas) : this;
        }
    }

    /** The deadline the recache test compares: the new one when the TTL update comes first on the command. */
    private static long recacheSees(Item current, ReadOptions o) {
        return o.recacheAfterTtl() && o.newDeadline() != KEEP ? o.newDeadline() : current.expiresAt;
    }

    /** Seconds from now to a deadline, rounded up: memcached compares TTLs on its one-second clock. */
    private static long wholeSeconds(long deadline, long now) {
        long second = TimeUnit.SECONDS.toNanos(1);
        return Math.floorDiv(deadline - now + second - 1, second);
    }

    /** {@link ReadOptions#recacheDeadline} when no recache threshold was given. */
    public static final long NO_RECACHE = Long.MIN_VALUE;

    /**
     * Meta get, atomically per key: optionally creates a placeholder on a miss (vivify), gives a hit a new deadline,
     * and hands out at most one "win" token per item (on creation, a TTL below the recache threshold, or a stale
     * item) until the item is replaced or invalidated again.
     */
    public ReadResult metaRead(Key key, ReadOptions o) {
        if (!o.vivify() && o.newDeadline() == KEEP && o.recacheDeadline() == NO_RECACHE) {
            // A plain read changes no state unless the item is stale and its win token is still to be handed out.
            Item item = cache.getIfPresent(key);
            long now = clock.nanoTime();
            if (item == null || !isLive(item, now, true)) {
                if (item != null) {
                    cache.asMap().remove(key, item);
                }
                return new ReadResult(null, false, 0, Item.NEVER, false, false, false);
            }
            if (!(item.stale() && !item.winSent() && o.claimWin())) {
                ReadResult result = new ReadResult(item, item.fetched(), item.lastAccess(), item.expiresAt, false,
                        false, item.winSent());
                if (o.bump()) {
                    item.accessedAt(now);
                }
                return result;
            }
        }
        ReadResult[] out = new ReadResult[1];
        cache.asMap().compute(key, (k, old) -> {
            long now = clock.nanoTime();
            Item current = old;
            if (current != null && !isLive(current, now, true)) {
                current = null;
            }
            boolean created = false;
            if (current == null) {
                if (!o.vivify()) {
                    out[0] = new ReadResult(null, false, 0, Item.NEVER, false, false, false);
                    return null;
                }
                current = newItem(new byte[0], 0, o.vivifyDeadline(), now, o.newCas());
                listener.itemLinked();
                reclaimed(k, old, current, now);
                created = true;
            }
            boolean fetchedBefore = !created && current.fetched();
            long lastAccessBefore = current.lastAccess();
            long previous = created ? Item.NEVER : current.expiresAt;
            boolean won = false;
            if (created) {
                won = o.vivifyWins();
            } else if (o.recacheDeadline() != NO_RECACHE && !current.winSent()
                    && recacheSees(current, o) != Item.NEVER
                    && wholeSeconds(recacheSees(current, o), now) < wholeSeconds(o.recacheDeadline(), now)) {
                won = true;
            }
            if (current.stale() && !current.winSent()) {
                won = true;
            }
            won &= o.claimWin();
            boolean winSentBefore = current.winSent();
            Item next = current;
            long expiresAt = created || o.newDeadline() == KEEP ? current.expiresAt : o.newDeadline();
            if (expiresAt != current.expiresAt || (won && !current.winSent())) {
                next = current.withState(current.cas, expiresAt, current.stale(), current.winSent() || won);
            }
            if (o.bump()) {
                next.accessedAt(now);
            }
            out[0] = new ReadResult(next, fetchedBefore, lastAccessBefore, previous, created, won, winSentBefore);
            return kept(next, now);
        });
        return out[0];
    }

    /**
     * flush_all: items written before the cut-off become invisible; nothing is walked. The cut-off is now, or an
     * exptime-style delay (relative seconds, or an absolute Unix time beyond 30 days).
     */
    public void flushAll(long exptime) {
        long deadline = exptime <= 0 ? Item.EXPIRED : deadline(exptime);
        if (deadline == Item.EXPIRED) {
            flushedStamp = stamp(clock.nanoTime());
            flushDeadline = 0;
            flushPassDue = true;
            lastFullSweep = Long.MIN_VALUE; // with -M, the next write that does not fit may sweep at once
        } else {
            flushDeadline = deadline;
        }
    }

    /** Next CAS unique, for callers that build items themselves. */
    long nextCas() {
        return casDisabled ? 0 : casCounter.incrementAndGet();
    }

    /** {@code -C}: items get no CAS unique (0), as memcached's do; compare-and-swap then never matches. */
    public void disableCas() {
        casDisabled = true;
    }

    public boolean casDisabled() {
        return casDisabled;
    }

    public long itemCount() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** Bytes counted against the limit: keys, values and per-entry overhead. */
    public long weightedBytes() {
        return eviction.weightedSize().orElse(0);
    }

    public long limitBytes() {
        return limitBytes;
    }

    /** Whether an item of these sizes fits beside what is held now without evicting anything. */
    public boolean hasRoomFor(int keyLength, int valueLength) {
        return weightedBytes() + weigh(keyLength, valueLength) <= limitBytes;
    }

    /**
     * A new memory limit ({@code cache_memlimit}). Lowering it evicts at once, by the same policy as any eviction; with
     * {@code -M} nothing is evicted and writes are refused until items go.
     */
    public void resize(long bytes) {
        limitBytes = bytes;
        if (!evictionsDisabled) {
            eviction.setMaximum(bytes);
        }
    }

    /**
     * Puts an item loaded from a snapshot (or copied from another server) back, with its own CAS: the CAS counter moves
     * above it, so later writes get higher values. {@code remainingNanos} is the time left to live from now, 0 for
     * never. Refused (false) when the value is over {@code -I}, or with {@code -M} when it does not fit; beyond
     * {@code -m} the eviction policy decides what stays, as for any write. Not counted as a client write.
     */
    public boolean restore(byte[] key, byte[] value, int flags, long remainingNanos, long cas) {
        if (!fits(value.length) || key.length == 0 || key.length > Key.MAX_LENGTH) {
            return false;
        }
        Key k = Key.of(key);
        if (evictionsDisabled && weightedBytes() + weigh(k, value.length) > limitBytes) {
            return false;
        }
        long unique = casDisabled ? 0 : cas;
        if (unique > 0) {
            // A CAS a client chose past 2^63 (meta's E) does not drag the counter to where it would wrap.
            casCounter.accumulateAndGet(unique, Math::max);
        }
        long now = clock.nanoTime();
        cache.put(k, new Item(value, flags, unique, remainingNanos <= 0 ? Item.NEVER : now + remainingNanos,
                stamp(now)));
        return true;
    }

    /**
     * The live entries, walked lazily (weakly consistent, as the map's own iterator: entries added or removed meanwhile
     * may or may not be seen), so that a caller can stop and go on later without holding a copy of the store.
     */
    public java.util.Iterator<java.util.Map.Entry<Key, Item>> liveEntries() {
        // A sequential stream's iterator pulls one entry at a time: nothing is collected.
        return cache.asMap().entrySet().stream()
                .filter(e -> isLive(e.getValue(), clock.nanoTime(), false))
                .iterator();
    }

    /**
     * As {@link #forEachLive}, the most recently used first: keys and last-access times are collected (about 30 bytes
     * per item, not the items), sorted, and each item is then looked up without touching the eviction policy. A
     * snapshot written in this order loads the hottest items first, and a load that stops when the store is full
     * keeps them under a smaller {@code -m}.
     */
    public void forEachLiveRecentFirst(java.util.function.BiConsumer<Key, Item> action) {
        record Seen(Key key, long lastAccess) {
        }
        java.util.List<Seen> seen = new java.util.ArrayList<>();
        forEachLive((k, v) -> seen.add(new Seen(k, v.lastAccess())));
        seen.sort(java.util.Comparator.comparingLong(Seen::lastAccess).reversed());
        long now = clock.nanoTime();
        for (Seen s : seen) {
            Item item = cache.policy().getIfPresentQuietly(s.key());
            if (item != null && isLive(item, now, false)) {
                action.accept(s.key(), item);
            }
        }
    }

    /**
     * Every live item, without marking it fetched: {@code stats items/slabs/sizes} and {@code stats cachedump}. A walk
     * over the whole store, like memcached's {@code stats sizes}.
     */
    public void forEachLive(java.util.function.BiConsumer<Key, Item> action) {
        long now = clock.nanoTime();
        cache.asMap().forEach((k, v) -> {
            if (isLive(v, now, false)) {
                action.accept(k, v);
            }
        });
    }

    /** Whether writes sweep for expired items: once any item with a deadline has been stored. */
    boolean sweepsOnWrite() {
        return deadlinesSeen;
    }

    /**
     * Reclaims dead items among the next {@code budget} entries of the sweep, if no other thread is sweeping. An expired
     * item goes once it has been expired for {@link #EXPIRY_GRACE_NANOS}; a flushed one at once, as memcached's LRU
     * crawler and its allocator take them. After a flush_all, a pass over the whole map takes
     * {@link #FLUSH_SWEEP_STEP} entries before each write ({@link #sweepFlushedBefore}) and as many after it, until it
     * has walked the map once.
     */
    private void sweepSome(int budget) {
        sweepSome(budget, null);
    }

    /** {@link #sweepSome(int)}, leaving the entry of {@code spare} (a key about to be written) alone. */
    private void sweepSome(int budget, Key spare) {
        // Read before the CAS: writers on other event loops skip without taking the cache line exclusive.
        if (!sweepDue() || sweeping.get() || !sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            long now = clock.nanoTime();
            startFlushPassIfDue(now);
            if (!flushPass && !deadlinesSeen) {
                return;
            }
            int steps = flushPass ? FLUSH_SWEEP_STEP : budget;
            for (int i = 0; i < steps; i++) {
                if (sweep == null || !sweep.hasNext()) {
                    if (flushPass) {
                        flushPass = false; // walked once since the flush: every flushed item has been seen
                        sweep = null;
                        return;
                    }
                    sweep = cache.asMap().entrySet().iterator();
                    if (!sweep.hasNext()) {
                        return;
                    }
                }
                Map.Entry<Key, Item> e = sweep.next();
                if (spare == null || !spare.equals(e.getKey())) {
                    removeIfDead(e, now);
                }
            }
        } finally {
            sweeping.set(false);
        }
    }

    /**
     * While a pass after a flush is due or on, a write first sweeps its share, so that it finds room rather than a
     * full store of dead but frequent items that Caffeine's admission would keep in its place. The written key's own
     * item is spared: the write replaces it and counts it in {@code reclaimed}, as memcached does.
     */
    private void sweepFlushedBefore(Key key) {
        if (flushSweepDue()) {
            sweepSome(0, key);
        }
    }

    private boolean sweepDue() {
        return deadlinesSeen || flushSweepDue();
    }

    /** A pass after a flush is on, or due: an immediate flush, or a delayed one whose pass has not started. */
    private boolean flushSweepDue() {
        long delayed = flushDeadline;
        return flushPass || flushPassDue || (delayed != 0 && delayed != delayedFlushSwept);
    }

    /** On the sweeping thread: a flush that has taken effect restarts the sweep from the map's start. */
    private void startFlushPassIfDue(long now) {
        long delayed = flushDeadline;
        if (delayed != 0 && delayed != delayedFlushSwept && now >= delayed) {
            delayedFlushSwept = delayed;
            flushPassDue = true;
        }
        if (flushPassDue) {
            flushPassDue = false;
            flushPass = true;
            sweep = cache.asMap().entrySet().iterator();
        }
    }

    /** {@code -M}: a write does not fit; a full sweep (at most once a second) may free enough. */
    private boolean reclaimedEnough(long needed) {
        long now = clock.nanoTime();
        long last = lastFullSweep;
        if (last != Long.MIN_VALUE && now - last < FULL_SWEEP_INTERVAL_NANOS) {
            return false;
        }
        lastFullSweep = now;
        for (Map.Entry<Key, Item> e : cache.asMap().entrySet()) {
            removeIfDead(e, now);
        }
        return eviction.weightedSize().orElse(0) + needed <= limitBytes;
    }

    /**
     * The sweeper's step: an entry expired past the grace, or flushed, goes, unless a write replaced it meanwhile.
     * Only the expired count in {@code expired_unfetched}, as in memcached.
     */
    private void removeIfDead(Map.Entry<Key, Item> e, long now) {
        Item item = e.getValue();
        boolean expired = expiredLongAgo(item, now);
        if ((expired || flushed(item, now)) && cache.asMap().remove(e.getKey(), item)) {
            if (expired) {
                listener.sweptExpired(item.fetched());
            }
        }
    }

    private static boolean expiredLongAgo(Item item, long now) {
        return item.expiresAt != Item.NEVER && now - item.expiresAt >= EXPIRY_GRACE_NANOS;
    }

    private Item newItem(byte[] value, int flags, long deadline, long now, long newCas) {
        return newItem(value, flags, deadline, now, newCas, false);
    }

    private Item newItem(byte[] value, int flags, long deadline, long now, long newCas, boolean binaryKey) {
        return new Item(value, flags, newCas != 0 ? newCas : nextCas(), deadline, stamp(now), false,
                false, binaryKey);
    }

    /**
     * The next store stamp: the clock's nanos, or one more than the last stamp when the clock has not moved on. Every
     * new item takes one; a flush takes one, so items stamped after it are written after it, in the same nanosecond
     * too. Stamps run ahead of the clock only by the writes within one clock tick.
     */
    private long stamp(long now) {
        while (true) {
            long prev = lastStamp.get();
            long next = Math.max(prev + 1, now);
            if (lastStamp.compareAndSet(prev, next)) {
                return next;
            }
        }
    }

    private boolean isLive(Item item, long now, boolean count) {
        if (item.isExpired(now)) {
            if (count) {
                listener.foundExpired();
            }
            return false;
        }
        if (flushed(item, now)) {
            if (count) {
                listener.foundFlushed();
            }
            return false;
        }
        return true;
    }

    /** Hidden by a flush_all: written before an immediate one, or before a delayed one's cut-off once it has passed. */
    private boolean flushed(Item item, long now) {
        if (item.storedAt <= flushedStamp) {
            return true;
        }
        long deadline = flushDeadline;
        return deadline != 0 && now >= deadline && item.storedAt < deadline;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
