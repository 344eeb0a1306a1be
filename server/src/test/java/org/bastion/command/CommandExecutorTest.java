package org.bastion.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bastion.config.Settings;
import org.bastion.policy.Session;
import org.bastion.store.Key;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;
import org.bastion.testing.TestServers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The executor's semantics, command by command, without any protocol in front of it. */
class CommandExecutorTest {
    private final Session anyone = Session.local();
    private final Session readOnly = new Session(null, null, true);
    private ManualClock clock;
    private TestServers.Parts parts;
    private Store store;

    @BeforeEach
    void setUp() {
        clock = new ManualClock();
        parts = TestServers.parts(Settings.builder().port(0).maxItemSize(1024).shutdownEnabled(true).build(), clock);
        store = parts.store;
    }

    private Outcome run(Command command) {
        return parts.exec.execute(anyone, command);
    }

    private long set(String key, String value) {
        Outcome.Wrote wrote = (Outcome.Wrote) run(
                Command.Write.of(Store.Mode.SET, Key.of(key), 0, 0, value.getBytes(), 0, true));
        return wrote.item().cas;
    }

    private Store.DeleteResult delete(String key, long cas) {
        return ((Outcome.Deleted) run(Command.Delete.of(Key.of(key), cas))).result();
    }

    @Test
    void deleteComparesCasWhenGiven() {
        long cas = set("k", "v");
        assertEquals(Store.DeleteResult.EXISTS, delete("k", cas + 1));
        assertNotNull(store.get(Key.of("k")));
        assertEquals(Store.DeleteResult.DELETED, delete("k", cas));
        assertEquals(Store.DeleteResult.NOT_FOUND, delete("k", 0));
        assertEquals(1, parts.stats.deleteHits.sum());
        assertEquals(1, parts.stats.deleteMisses.sum());
    }

    @Test
    void appendComparesCasOnlyWhenNonZero() {
        long cas = set("k", "a");
        assertEquals(Store.StoreResult.EXISTS, ((Outcome.Wrote) run(
                Command.Write.of(Store.Mode.APPEND, Key.of("k"), 0, 0, "b".getBytes(), cas + 1, false))).result());
        assertEquals(Store.StoreResult.STORED, ((Outcome.Wrote) run(
                Command.Write.of(Store.Mode.APPEND, Key.of("k"), 0, 0, "b".getBytes(), cas, false))).result());
        assertEquals(Store.StoreResult.STORED, ((Outcome.Wrote) run(
                Command.Write.of(Store.Mode.PREPEND, Key.of("k"), 0, 0, "_".getBytes(), 0, false))).result());
        assertEquals("_ab", new String(store.get(Key.of("k")).value));
    }

    @Test
    void deltaComparesCas() {
        long cas = set("n", "5");
        Command.Delta wrongCas = new Command.Delta(Key.of("n"), true, 1, cas + 1, Command.Delta.OnMiss.ANSWER, 0, 0,
                false, 0, 0);
        assertEquals(Store.DeltaResult.Kind.EXISTS, ((Outcome.Counted) run(wrongCas)).result().kind());
        Store.DeltaResult ok = ((Outcome.Counted) run(new Command.Delta(Key.of("n"), true, 1, cas,
                Command.Delta.OnMiss.ANSWER, 0, 0, false, 0, 0))).result();
        assertEquals(6, ok.value());
        assertEquals(ok.item().cas, store.get(Key.of("n")).cas);
    }

    @Test
    void binaryDeltaCreatesTheCounterWithItsExpiry() {
        Command.Delta create = new Command.Delta(Key.of("c"), true, 5, 0, Command.Delta.OnMiss.ADD, 42, 10, false, 0,
                0);
        Store.DeltaResult created = ((Outcome.Counted) run(create)).result();
        assertEquals(Store.DeltaResult.Kind.OK, created.kind());
        assertEquals(42, created.value());
        assertEquals("42", new String(store.get(Key.of("c")).value));
        assertEquals(47, ((Outcome.Counted) run(create)).result().value());
        assertEquals(1, parts.stats.incrMisses.sum(), "the create counts as the miss it was");
        assertEquals(1, parts.stats.incrHits.sum());
        clock.advance(11, TimeUnit.SECONDS);
        assertNull(store.get(Key.of("c")), "the created counter carries the request's expiry");
        Command.Delta noCreate = new Command.Delta(Key.of("c"), true, 5, 0, Command.Delta.OnMiss.ANSWER, 42, 0, false,
                0, 0);
        assertEquals(Store.DeltaResult.Kind.NOT_FOUND, ((Outcome.Counted) run(noCreate)).result().kind());
        assertNull(store.get(Key.of("c")));
    }

    @Test
    void touchReturnsTheTouchedItem() {
        long cas = set("t", "v");
        Outcome touched = run(new Command.Touch(Key.of("t"), 5));
        assertEquals(cas, ((Outcome.Found) touched).item().cas);
        assertSame(Outcome.Done.MISS, run(new Command.Touch(Key.of("none"), 5)));
        clock.advance(6, TimeUnit.SECONDS);
        assertNull(store.get(Key.of("t")));
    }

    @Test
    void oversizedSetIsRefusedAndDropsTheOldValue() {
        set("big", "old");
        assertSame(Outcome.Done.TOO_LARGE, run(Command.Write.oversized(Store.Mode.SET, Key.of("big"), 1025, true)));
        assertNull(store.get(Key.of("big")));
        set("kept", "old");
        assertSame(Outcome.Done.TOO_LARGE, run(Command.Write.of(Store.Mode.APPEND, Key.of("kept"), 0, 0,
                new byte[1025], 0, false)), "the limit holds even when the value was buffered");
        assertEquals("old", new String(store.get(Key.of("kept")).value));
        assertEquals(2, parts.stats.storeTooLarge.sum());
    }

    @Test
    void aReadOnlySessionIsRefusedEveryWriteAndNothingChanges() {
        set("k", "v");
        Command[] writes = {
            Command.Write.of(Store.Mode.SET, Key.of("k"), 0, 0, "x".getBytes(), 0, true),
            Command.Write.oversized(Store.Mode.SET, Key.of("k"), 5000, true),
            Command.Delete.of(Key.of("k"), 0),
            Command.Delta.of(Key.of("k"), true, 1),
            new Command.Touch(Key.of("k"), 1),
            new Command.Get().touch(Key.of("k"), 1),
            new Command.Flush(0),
            new Command.Shutdown(),
        };
        for (Command write : writes) {
            assertSame(Outcome.Refused.READ_ONLY, parts.exec.execute(readOnly, write), write.toString());
        }
        assertEquals("v", new String(store.get(Key.of("k")).value));
        assertEquals(0, parts.control.shutdowns);
        Outcome read = parts.exec.execute(readOnly, new Command.Get().read(Key.of("k")));
        assertEquals("v", new String(assertInstanceOf(Outcome.Hit.class, read).item().value));
    }

    @Test
    void serverSwitchesAreDecidedBeforeTheSource() {
        TestServers.Parts locked = TestServers.parts(Settings.builder().port(0).flushAllDisabled(true)
                .dumpingDisabled(true).build());
        assertSame(Outcome.Refused.FLUSH_DISABLED, locked.exec.execute(readOnly, new Command.Flush(0)));
        assertSame(Outcome.Refused.SHUTDOWN_DISABLED, locked.exec.execute(anyone, new Command.Shutdown()));
        assertSame(Outcome.Refused.DUMP_DISABLED,
                locked.exec.execute(anyone, new Command.Stats("cachedump", "1", "0")));
        assertEquals(1, locked.stats.cmdFlush.sum(), "a refused flush_all counts as a flush, as in memcached");
    }

    @Test
    void memoryLimitShrinksTheStoreAndRefusesBelowEightMegabytes() {
        for (int i = 0; i < 200; i++) {
            run(Command.Write.of(Store.Mode.SET, Key.of("k" + i), 0, 0, new byte[1000], 0, true));
        }
        assertSame(Outcome.Done.MEMORY_LIMIT_TOO_SMALL, run(new Command.MemoryLimit(7)));
        assertEquals(64L << 20, store.limitBytes());
        assertSame(Outcome.Done.OK, run(new Command.MemoryLimit(8)));
        assertEquals(8L << 20, store.limitBytes());
        assertSame(Outcome.Done.MEMORY_LIMIT_TOO_LARGE, run(new Command.MemoryLimit(Long.MAX_VALUE / (1 << 20))));
        assertSame(Outcome.Refused.READ_ONLY, parts.exec.execute(readOnly, new Command.MemoryLimit(16)));
        assertSame(Outcome.Refused.READ_ONLY, parts.exec.execute(readOnly, new Command.SlabsAutomove(1)));
        assertEquals(8L << 20, store.limitBytes(), "a read-only source changed nothing");
    }

    @Test
    void metadumpListsLiveItemsAndIsOffUnderDumpingDisabled() {
        set("a b", "v");
        Outcome dump = parts.exec.execute(readOnly, new Command.Metadump("all"));
        List<String> items = new java.util.ArrayList<>();
        assertInstanceOf(Outcome.ItemDump.class, dump).items().forEachRemaining(items::add);
        assertEquals(1, items.size());
        assertTrue(items.get(0).matches("key=a%20b exp=-1 la=\\d+ cas=\\d+ fetch=no cls=1 size=\\d+"), items.get(0));
        assertSame(Outcome.Done.BAD_CLASS, run(new Command.Metadump("99")));
        TestServers.Parts locked = TestServers.parts(Settings.builder().port(0).dumpingDisabled(true).build());
        assertSame(Outcome.Refused.DUMP_DISABLED, locked.exec.execute(anyone, new Command.Metadump("all")));
    }
}
