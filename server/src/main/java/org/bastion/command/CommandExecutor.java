package org.bastion.command;

import org.bastion.auth.Authenticator;
import org.bastion.config.Settings;
import org.bastion.policy.Decision;
import org.bastion.policy.Policy;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.stats.LogWatchers;
import org.bastion.stats.Stats;
import org.bastion.stats.StatsReport;
import org.bastion.stats.Watcher;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.Numbers;
import org.bastion.store.Store;

/**
 * The one path from a decoded {@link Command} to the store: policy is decided once ({@link Policy#decide} with the
 * command's {@link Command#access()}), then the item size limit, then the store operation, then counting for
 * {@code stats} and Micrometer. Translators cannot reach the store any other way: they hold only an {@link Executor}.
 */
public final class CommandExecutor implements Executor {
    private final Store store;
    private final Stats stats;
    private final Settings settings;
    private final ServerControl control;
    private final SecurityLog securityLog;
    private final Policy policy;
    private final StatsReport report;
    private final StatsQueries statsQueries;
    private final Logins logins;

    public CommandExecutor(Store store, Stats stats, Settings settings, ServerControl control,
            SecurityLog securityLog) {
        this(store, stats, settings, control, securityLog, null);
    }

    /** @param authenticator checks logins; null when no users file is configured */
    public CommandExecutor(Store store, Stats stats, Settings settings, ServerControl control,
            SecurityLog securityLog, Authenticator authenticator) {
        this(store, stats, settings, control, securityLog, authenticator, null);
    }

    /**
     * @param authenticator checks logins; null when no users file is configured
     * @param offLoop where work that would stall an event loop runs (password checks, whole-store {@code stats}
     *     walks), its outcome {@link Outcome.Later}; null to run it in {@link #execute}
     */
    public CommandExecutor(Store store, Stats stats, Settings settings, ServerControl control,
            SecurityLog securityLog, Authenticator authenticator, java.util.concurrent.Executor offLoop) {
        this.store = store;
        this.stats = stats;
        this.settings = settings;
        this.control = control;
        this.securityLog = securityLog;
        this.policy = new Policy(settings, securityLog);
        this.report = new StatsReport(store, stats, settings, control);
        this.statsQueries = new StatsQueries(report, stats, securityLog, offLoop);
        this.logins = new Logins(authenticator, stats, securityLog, offLoop);
    }

    @Override
    public int maxItemSize() {
        return store.maxItemSize();
    }

    @Override
    public long deadline(long exptime) {
        return store.deadline(exptime);
    }

    @Override
    public long nanoTime() {
        return store.clock().nanoTime();
    }

    @Override
    public Outcome execute(Session session, Command command) {
        Decision decision = policy.decide(session, command.access(), keyOf(command));
        if (decision != Decision.ALLOW) {
            countRefusal(command, decision);
            return Outcome.Refused.of(decision);
        }
        // Java 17 has no pattern switch: one instanceof per member of the sealed family, the last one a failure.
        if (command instanceof Command.Get get) {
            return get.touches() ? getAndTouch(get, session) : get(get, session);
        } else if (command instanceof Command.MetaGet read) {
            return metaRead(read, policy.mayWinRecache(session) ? read.options() : read.options().withoutWin(),
                    session);
        } else if (command instanceof Command.Write write) {
            return write(write, session);
        } else if (command instanceof Command.Delete delete) {
            return delete(delete, session);
        } else if (command instanceof Command.Delta delta) {
            return delta(delta);
        } else if (command instanceof Command.Touch touch) {
            return touch(touch, session);
        } else if (command instanceof Command.Flush flush) {
            return flush(flush);
        } else if (command instanceof Command.Stats query) {
            return statsQueries.answer(query);
        } else if (command instanceof Command.Watch watch) {
            if (settings.watchDisabled()) {
                // -W switches the command off for everyone, as memcached's does: not a policy on who asks.
                return Outcome.Done.NOT_ENABLED;
            }
            Watcher watcher = stats.watchers.attach(watch.flags(), Watcher.CAPACITY_BYTES);
            if (watcher == null) {
                return Outcome.Done.TOO_MANY_WATCHERS;
            }
            return new Outcome.Watching(watcher, () -> stats.watchers.detach(watcher));
        } else if (command instanceof Command.Verbosity verbosity) {
            control.verbosity(verbosity.level());
            return Outcome.Done.OK;
        } else if (command instanceof Command.Shutdown) {
            control.shutdown();
            return Outcome.Done.OK;
        } else if (command instanceof Command.Snapshot) {
            return new Outcome.Snapshotting(control.snapshot());
        } else if (command instanceof Command.MemoryLimit limit) {
            return memoryLimit(limit.megabytes());
        } else if (command instanceof Command.SlabsAutomove) {
            return Outcome.Done.OK;
        } else if (command instanceof Command.Metadump dump) {
            java.util.Iterator<String> items = report.metadump(dump.classes());
            return items == null ? Outcome.Done.BAD_CLASS : new Outcome.ItemDump(items);
        } else if (command instanceof Command.RefreshCerts) {
            String error = control.refreshCerts();
            return error == null ? Outcome.Done.OK : new Outcome.Failed(error);
        } else if (command instanceof Command.Login login) {
            return logins.login(session, login);
        } else if (command instanceof Command.Debug debug) {
            stats.cmdMeta.increment();
            Item item = store.peek(debug.key());
            return item == null ? Outcome.Done.MISS : new Outcome.Found(item);
        }
        throw new IllegalArgumentException("no execution for " + command);
    }

    /** The one key a command works on, for a user confined to a key prefix; null for commands over no single key. */
    private static Key keyOf(Command command) {
        if (command instanceof Command.Get get) {
            return get.key();
        } else if (command instanceof Command.MetaGet read) {
            return read.key();
        } else if (command instanceof Command.Write write) {
            return write.key();
        } else if (command instanceof Command.Delete delete) {
            return delete.key();
        } else if (command instanceof Command.Delta delta) {
            return delta.key();
        } else if (command instanceof Command.Touch touch) {
            return touch.key();
        } else if (command instanceof Command.Debug debug) {
            return debug.key();
        }
        return null;
    }

    /** memcached counts a refused flush_all as a flush command that failed; other refusals count nowhere. */
    private void countRefusal(Command command, Decision decision) {
        if (command instanceof Command.Flush && decision == Decision.FLUSH_DISABLED) {
            stats.cmdFlush.increment();
            stats.count(Stats.Command.FLUSH_ALL, Stats.Outcome.ERROR);
        }
    }

    private Outcome get(Command.Get get, Session session) {
        stats.cmdGet.increment();
        Item item = store.get(get.key());
        stats.watchers.itemGet(get.key(), item, session.id());
        stats.prefixes.get(get.key(), settings.prefixDelimiter(), item != null);
        if (item == null) {
            stats.getMisses.increment();
            return Outcome.Done.MISS;
        }
        stats.getHits.increment();
        return get.hit().of(item);
    }

    private Outcome getAndTouch(Command.Get get, Session session) {
        stats.cmdGet.increment();
        stats.cmdTouch.increment();
        Item item = store.touch(get.key(), store.deadline(get.exptime()));
        stats.watchers.itemGet(get.key(), item, session.id());
        stats.prefixes.get(get.key(), settings.prefixDelimiter(), item != null);
        if (item == null) {
            stats.getMisses.increment();
            stats.touchMisses.increment();
            return Outcome.Done.MISS;
        }
        stats.getHits.increment();
        stats.touchHits.increment();
        return get.hit().of(item);
    }

    private Outcome metaRead(Command.MetaGet read, Store.ReadOptions options, Session session) {
        Store.ReadResult result = store.metaRead(read.key(), options);
        stats.watchers.itemGet(read.key(), result.item(), session.id());
        // As memcached counts it: a TTL update makes a hit a touch; a miss is always a get miss.
        boolean touch = read.options().newDeadline() != Store.KEEP && result.item() != null;
        (touch ? stats.cmdTouch : stats.cmdGet).increment();
        if (result.item() == null) {
            (touch ? stats.touchMisses : stats.getMisses).increment();
        } else {
            (touch ? stats.touchHits : stats.getHits).increment();
        }
        return new Outcome.Read(result);
    }

    private Outcome write(Command.Write w, Session session) {
        stats.cmdSet.increment();
        stats.prefixes.set(w.key(), settings.prefixDelimiter());
        if (w.value() == null || !store.fits(w.length())) {
            stats.storeTooLarge.increment();
            stats.count(Stats.command(w.mode()), Stats.Outcome.ERROR);
            if (w.oversizeDropsOld()) {
                store.remove(w.key());
            }
            return Outcome.Done.TOO_LARGE;
        }
        if (stats.watchers.wants(LogWatchers.FETCHERS)) {
            stats.watchers.itemGet(w.key(), store.peek(w.key()), session.id()); // memcached logs a write's lookup
        }
        if (w.mode() == Store.Mode.CAS && store.casDisabled()) {
            // -C: no item has a CAS unique to match, so memcached answers EXISTS (NOT_FOUND with nothing stored).
            Store.StoreResult result = store.peek(w.key()) == null ? Store.StoreResult.NOT_FOUND
                    : Store.StoreResult.EXISTS;
            countWrite(w.mode(), result);
            return new Outcome.Wrote(result, null);
        }
        Store.WriteResult written = store.write(w.mode(), w.key(), w.flags(), store.deadline(w.exptime()), w.value(),
                w.cas(), w.newCas(), w.allowStale(), w.binaryKey());
        countWrite(w.mode(), written.result());
        if (stats.watchers.wants(LogWatchers.MUTATIONS)) {
            long ttl = w.exptime() <= 0 ? 0 : w.exptime() > 2_592_000
                    ? Math.max(0, w.exptime() - store.clock().wallMillis() / 1000) : w.exptime();
            stats.watchers.itemStore(w.key(), written.result(), w.mode().name().toLowerCase(java.util.Locale.ROOT), ttl,
                    w.flags(), (int) w.length(), session.id());
        }
        return new Outcome.Wrote(written.result(), written.item());
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

    private Outcome delete(Command.Delete d, Session session) {
        if (!d.meta()) {
            stats.prefixes.delete(d.key(), settings.prefixDelimiter());
        }
        if (stats.watchers.wants(LogWatchers.FETCHERS)) {
            stats.watchers.itemGet(d.key(), store.peek(d.key()), session.id()); // memcached logs a delete's lookup
        }
        long deadline = d.hasExptime() ? store.deadline(d.exptime()) : Store.KEEP;
        Store.DeleteResult result = d.meta()
                ? store.metaDelete(d.key(), d.hasCompare(), d.compareCas(), d.invalidate(), d.emptyValue(), deadline,
                        d.newCas())
                : store.delete(d.key(), d.compareCas());
        // As memcached counts them: a CAS mismatch is a miss for meta's md, and counted nowhere for delete.
        switch (result) {
            case DELETED, EMPTIED -> stats.deleteHits.increment();
            case NOT_FOUND -> stats.deleteMisses.increment();
            case EXISTS -> {
                if (d.meta()) {
                    stats.deleteMisses.increment();
                }
            }
            default -> { }
        }
        return new Outcome.Deleted(result);
    }

    private Outcome delta(Command.Delta d) {
        Store.DeltaResult result = store.metaDelta(d.key(), d.incr(), d.delta(), d.compareCas(),
                d.onMiss() == Command.Delta.OnMiss.VIVIFY, d.initial(), store.deadline(d.createExptime()),
                d.hasExptime() ? store.deadline(d.exptime()) : Store.KEEP, d.newCas());
        switch (result.kind()) {
            case OK -> (d.incr() ? stats.incrHits : stats.decrHits).increment();
            case NOT_FOUND -> (d.incr() ? stats.incrMisses : stats.decrMisses).increment();
            case CREATED -> { }
            default -> stats.count(d.incr() ? Stats.Command.INCR : Stats.Command.DECR, Stats.Outcome.ERROR);
        }
        if (result.kind() == Store.DeltaResult.Kind.NOT_FOUND && d.onMiss() == Command.Delta.OnMiss.ADD) {
            result = createCounter(d);
        }
        return new Outcome.Counted(result);
    }

    /**
     * Binary incr/decr of a missing counter: created with {@code initial} by an add, so a racing writer wins and the
     * caller gets NOT_STORED, as in memcached.
     */
    private Store.DeltaResult createCounter(Command.Delta d) {
        Store.WriteResult written = store.write(Store.Mode.ADD, d.key(), 0, store.deadline(d.createExptime()),
                Numbers.unsignedBytes(d.initial()), 0, 0);
        return switch (written.result()) {
            case STORED -> new Store.DeltaResult(Store.DeltaResult.Kind.OK, d.initial(), written.item());
            case NO_MEMORY -> {
                stats.storeNoMemory.increment();
                yield new Store.DeltaResult(Store.DeltaResult.Kind.NO_MEMORY, 0, null);
            }
            default -> new Store.DeltaResult(Store.DeltaResult.Kind.NOT_STORED, 0, null);
        };
    }

    private Outcome touch(Command.Touch t, Session session) {
        stats.cmdTouch.increment();
        Item touched = store.touch(t.key(), store.deadline(t.exptime()));
        stats.watchers.itemGet(t.key(), touched, session.id());
        if (touched == null) {
            stats.touchMisses.increment();
            return Outcome.Done.MISS;
        }
        stats.touchHits.increment();
        return new Outcome.Found(touched);
    }

    private Outcome flush(Command.Flush flush) {
        if (flush.malformedDelay()) {
            return Outcome.Done.BAD_ARGUMENT;
        }
        stats.cmdFlush.increment();
        store.flushAll(flush.delay());
        return Outcome.Done.OK;
    }

    /**
     * {@code cache_memlimit}: memcached's floor of 8 MB, and Bastion's own ceiling: items live on this JVM's heap, so
     * the limit may not grow past what the heap holds beside them (the same rule as {@code -m} at start-up).
     */
    private Outcome memoryLimit(long megabytes) {
        if (megabytes < 8) {
            return Outcome.Done.MEMORY_LIMIT_TOO_SMALL;
        }
        if (megabytes > maxMemoryLimitMegabytes()) {
            return Outcome.Done.MEMORY_LIMIT_TOO_LARGE;
        }
        store.resize(megabytes * 1024 * 1024);
        return Outcome.Done.OK;
    }

    /** The largest {@code -m} this heap holds: items take 2/3 of what is left after 64 MB for everything else. */
    public static long maxMemoryLimitMegabytes() {
        long heapMegabytes = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        return Math.max(0, (heapMegabytes - 64) * 2 / 3);
    }
}
