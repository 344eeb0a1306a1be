package org.bastion.command;

import org.bastion.config.Settings;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.stats.Stats;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.Numbers;
import org.bastion.store.Store;

/**
 * The one command execution path every protocol calls: it applies per-command policy, counts statistics and runs the
 * store operation. Protocol handlers only parse and format.
 */
public final class CommandExecutor {
    /** The reply a read-only source gets for any command that would change data or expiry. */
    static final String ACCESS_DENIED = "access denied";

    public final Store store;
    public final Stats stats;
    public final Settings settings;
    public final ServerControl control;
    /** Security events from every protocol and the gate, rate-limited per source. */
    public final SecurityLog securityLog = new SecurityLog();

    public CommandExecutor(Store store, Stats stats, Settings settings, ServerControl control) {
        this.store = store;
        this.stats = stats;
        this.settings = settings;
        this.control = control;
    }

    /**
     * Whether this session may run a command that changes data or expiry: storage commands, cas, delete, incr/decr,
     * touch, gat/gats, flush_all, shutdown, and their meta and binary forms. Every protocol asks here after parsing the
     * command (and consuming its data block) and before changing anything; a refusal is logged.
     */
    public boolean mayWrite(Session session) {
        if (!session.readOnly) {
            return true;
        }
        securityLog.event(SecurityLog.Kind.READ_ONLY_VIOLATION, session.sourceAddress(),
                "write refused: source is in --read-only-from");
        return false;
    }

    /** get/gets: one key of a retrieval. The key may be a reused {@link Key.Probe}: look it up, never keep it. */
    public Item get(Key key) {
        stats.cmdGet.increment();
        Item item = store.get(key);
        if (item == null) {
            stats.getMisses.increment();
        } else {
            stats.getHits.increment();
        }
        return item;
    }

    /** gat/gats: one key, fetched and given a new expiry. */
    public Item getAndTouch(Key key, long exptime) {
        stats.cmdGet.increment();
        stats.cmdTouch.increment();
        Item item = store.touch(key, store.deadline(exptime));
        if (item == null) {
            stats.getMisses.increment();
            stats.touchMisses.increment();
        } else {
            stats.getHits.increment();
            stats.touchHits.increment();
        }
        return item;
    }

    /** set/add/replace/append/prepend/cas. */
    public Store.StoreResult store(Store.Mode mode, Key key, int flags, long exptime, byte[] value, long cas) {
        return write(mode, key, flags, exptime, value, cas).result();
    }

    /** As {@link #store}, also returning the stored item (protocols that answer with the new CAS). */
    public Store.WriteResult write(Store.Mode mode, Key key, int flags, long exptime, byte[] value, long cas) {
        stats.cmdSet.increment();
        Store.WriteResult written = store.write(mode, key, flags, store.deadline(exptime), value, cas, 0);
        Store.StoreResult result = written.result();
        countWrite(mode, result);
        return written;
    }

    /** The outcome of a storage command, whichever protocol sent it: memcached's keys, then Bastion's outcomes. */
    private void countWrite(Store.Mode mode, Store.StoreResult result) {
        if (result == Store.StoreResult.NO_MEMORY) {
            stats.storeNoMemory.increment();
        }
        if (mode == Store.Mode.CAS) {
            switch (result) {
                case STORED -> stats.casHits.increment();
                case EXISTS -> stats.casBadval.increment();
                case NOT_FOUND -> stats.casMisses.increment();
                default -> stats.count(Stats.Command.CAS, Stats.Outcome.ERROR);
            }
        } else {
            stats.count(Stats.command(mode), switch (result) {
                case STORED -> Stats.Outcome.STORED;
                case NOT_STORED -> Stats.Outcome.NOT_STORED;
                case EXISTS -> Stats.Outcome.EXISTS;
                case NOT_FOUND -> Stats.Outcome.MISS;
                case NO_MEMORY -> Stats.Outcome.ERROR;
            });
        }
    }

    /** A value over {@code -I}: refused, and for set the old value goes too, as memcached does. */
    public void rejectTooLarge(Store.Mode mode, Key key) {
        stats.cmdSet.increment();
        stats.storeTooLarge.increment();
        stats.count(Stats.command(mode), Stats.Outcome.ERROR);
        if (mode == Store.Mode.SET && key != null) {
            store.remove(key);
        }
    }

    public boolean delete(Key key) {
        return delete(key, 0) == Store.DeleteResult.DELETED;
    }

    /** delete with an optional CAS compare (0: none). */
    public Store.DeleteResult delete(Key key, long expectedCas) {
        Store.DeleteResult result = store.delete(key, expectedCas);
        if (result == Store.DeleteResult.DELETED) {
            stats.deleteHits.increment();
        } else if (result == Store.DeleteResult.NOT_FOUND) {
            stats.deleteMisses.increment();
        }
        return result;
    }

    public Store.DeltaResult delta(Key key, boolean incr, long delta) {
        return delta(key, incr, delta, 0);
    }

    /**
     * incr/decr that, on a miss, creates the counter with {@code initial} (flags 0, the given exptime) as memcached's
     * binary protocol does; {@code create} false answers the miss instead. The create is an add, so a racing writer
     * wins and the caller gets NOT_STORED, as in memcached.
     */
    public Store.DeltaResult deltaOrCreate(Key key, boolean incr, long delta, long expectedCas, long initial, boolean create,
            long exptime) {
        Store.DeltaResult result = delta(key, incr, delta, expectedCas);
        if (result.kind() != Store.DeltaResult.Kind.NOT_FOUND || !create) {
            return result;
        }
        Store.WriteResult written = store.write(Store.Mode.ADD, key, 0, store.deadline(exptime),
                Numbers.unsignedBytes(initial), 0, 0);
        return switch (written.result()) {
            case STORED -> new Store.DeltaResult(Store.DeltaResult.Kind.OK, initial, written.item());
            case NO_MEMORY -> {
                stats.storeNoMemory.increment();
                yield new Store.DeltaResult(Store.DeltaResult.Kind.NO_MEMORY, 0, null);
            }
            default -> new Store.DeltaResult(Store.DeltaResult.Kind.NOT_STORED, 0, null);
        };
    }

    /** incr/decr with an optional CAS compare (0: none). */
    public Store.DeltaResult delta(Key key, boolean incr, long delta, long expectedCas) {
        Store.DeltaResult result = store.delta(key, incr, delta, expectedCas);
        boolean hit = result.kind() == Store.DeltaResult.Kind.OK;
        boolean miss = result.kind() == Store.DeltaResult.Kind.NOT_FOUND;
        if (incr) {
            if (hit) {
                stats.incrHits.increment();
            } else if (miss) {
                stats.incrMisses.increment();
            } else {
                stats.count(Stats.Command.INCR, Stats.Outcome.ERROR);
            }
        } else {
            if (hit) {
                stats.decrHits.increment();
            } else if (miss) {
                stats.decrMisses.increment();
            } else {
                stats.count(Stats.Command.DECR, Stats.Outcome.ERROR);
            }
        }
        return result;
    }

    public boolean touch(Key key, long exptime) {
        return touchItem(key, exptime) != null;
    }

    /** touch, returning the touched item (or null) for protocols that answer with its flags and CAS. */
    public Item touchItem(Key key, long exptime) {
        stats.cmdTouch.increment();
        Item touched = store.touch(key, store.deadline(exptime));
        if (touched != null) {
            stats.touchHits.increment();
        } else {
            stats.touchMisses.increment();
        }
        return touched;
    }

    /** flush_all; false when {@code -F} forbids it. */
    public boolean flushAll(long delaySeconds) {
        stats.cmdFlush.increment();
        if (settings.flushAllDisabled()) {
            stats.count(Stats.Command.FLUSH_ALL, Stats.Outcome.ERROR);
            return false;
        }
        store.flushAll(delaySeconds);
        return true;
    }

    /** Meta get (and the read side of any protocol's get-with-options): counts as a get, or a touch with a TTL. */
    public Store.ReadResult metaRead(Key key, Store.ReadOptions options) {
        Store.ReadResult result = store.metaRead(key, options);
        // As memcached counts it: a TTL update makes a hit a touch; a miss is always a get miss.
        boolean touch = options.newDeadline() != Store.KEEP && result.item() != null;
        if (touch) {
            stats.cmdTouch.increment();
        } else {
            stats.cmdGet.increment();
        }
        if (result.item() == null) {
            (touch ? stats.touchMisses : stats.getMisses).increment();
        } else {
            (touch ? stats.touchHits : stats.getHits).increment();
        }
        return result;
    }

    /** A storage command with meta's extras (explicit new CAS, stale-on-old-CAS, base64 key). */
    public Store.WriteResult write(Store.Mode mode, Key key, int flags, long exptime, byte[] value, long cas, long newCas,
            boolean allowStale, boolean binaryKey) {
        stats.cmdSet.increment();
        Store.WriteResult result = store.write(mode, key, flags, store.deadline(exptime), value, cas, newCas,
                allowStale, binaryKey);
        countWrite(mode, result.result());
        return result;
    }

    /** Delete with CAS compare, invalidation (mark stale) or value removal; exptime is used only when given. */
    public Store.DeleteResult metaDelete(Key key, boolean hasCompare, long compareCas, boolean invalidate, boolean emptyValue,
            boolean hasExptime, long exptime, long newCas) {
        long deadline = hasExptime ? store.deadline(exptime) : Store.KEEP;
        Store.DeleteResult result = store.metaDelete(key, hasCompare, compareCas, invalidate, emptyValue, deadline,
                newCas);
        switch (result) {
            case DELETED, EMPTIED -> stats.deleteHits.increment();
            case NOT_FOUND, EXISTS -> stats.deleteMisses.increment();
            default -> { }
        }
        return result;
    }

    /** incr/decr with CAS compare, create-on-miss and TTL update. */
    public Store.DeltaResult metaDelta(Key key, boolean incr, long delta, long compareCas, boolean vivify, long initial,
            long vivifyExptime, boolean hasExptime, long exptime, long newCas) {
        Store.DeltaResult result = store.metaDelta(key, incr, delta, compareCas, vivify, initial,
                store.deadline(vivifyExptime), hasExptime ? store.deadline(exptime) : Store.KEEP, newCas);
        switch (result.kind()) {
            case OK -> (incr ? stats.incrHits : stats.decrHits).increment();
            case NOT_FOUND -> (incr ? stats.incrMisses : stats.decrMisses).increment();
            default -> { }
        }
        return result;
    }

    /** Meta debug: the item without touching its access bookkeeping; counted in cmd_meta as memcached does. */
    public Item debug(Key key) {
        stats.cmdMeta.increment();
        return store.peek(key);
    }
}
