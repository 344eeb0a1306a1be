package org.bastion.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import org.bastion.policy.SecurityLog;
import org.bastion.stats.Stats;
import org.bastion.store.Store;

/**
 * Bastion's Micrometer meters. None of them counts anything: each is a {@link FunctionCounter} or {@link Gauge} over a
 * field of {@link Stats}, {@link SecurityLog} or the store, the same fields {@code stats} prints. Only the latency
 * timer records values of its own, for a sample of read batches (the transport's latency stage).
 */
public final class BastionMetrics implements AutoCloseable {
    public static final String COMMANDS = "bastion.commands";
    public static final String LATENCY = "bastion.command.latency";

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    private BastionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Registers every meter in the registry, tagged with {@code extraTags} (for example the port, when one registry
     * watches several servers), and starts timing read batches.
     */
    public static BastionMetrics bind(MeterRegistry registry, Store store, Stats s, SecurityLog securityLog,
            Tags extraTags) {
        BastionMetrics m = new BastionMetrics(registry);

        m.command("get", "hit", s.getHits, extraTags);
        m.command("get", "miss", s.getMisses, extraTags);
        for (Stats.Command c : new Stats.Command[] {Stats.Command.SET, Stats.Command.ADD, Stats.Command.REPLACE,
                Stats.Command.APPEND, Stats.Command.PREPEND}) {
            for (Stats.Outcome o : new Stats.Outcome[] {Stats.Outcome.STORED, Stats.Outcome.NOT_STORED,
                    Stats.Outcome.ERROR}) {
                m.command(name(c), name(o), s.outcome(c, o), extraTags);
            }
        }
        m.command("cas", "stored", s.casHits, extraTags);
        m.command("cas", "exists", s.casBadval, extraTags);
        m.command("cas", "miss", s.casMisses, extraTags);
        m.command("cas", "error", s.outcome(Stats.Command.CAS, Stats.Outcome.ERROR), extraTags);
        m.command("delete", "hit", s.deleteHits, extraTags);
        m.command("delete", "miss", s.deleteMisses, extraTags);
        m.command("incr", "hit", s.incrHits, extraTags);
        m.command("incr", "miss", s.incrMisses, extraTags);
        m.command("incr", "error", s.outcome(Stats.Command.INCR, Stats.Outcome.ERROR), extraTags);
        m.command("decr", "hit", s.decrHits, extraTags);
        m.command("decr", "miss", s.decrMisses, extraTags);
        m.command("decr", "error", s.outcome(Stats.Command.DECR, Stats.Outcome.ERROR), extraTags);
        m.command("touch", "hit", s.touchHits, extraTags);
        m.command("touch", "miss", s.touchMisses, extraTags);
        LongAdder flushRefused = s.outcome(Stats.Command.FLUSH_ALL, Stats.Outcome.ERROR);
        m.add(FunctionCounter.builder(COMMANDS, s, st -> st.cmdFlush.sum() - flushRefused.sum())
                .tags(extraTags).tags("command", "flush_all", "outcome", "ok")
                .description("commands by type and outcome").register(registry));
        m.command("flush_all", "error", flushRefused, extraTags);

        m.add(FunctionCounter.builder("bastion.auth", s, st -> st.authCmds.sum() - st.authErrors.sum())
                .tags(extraTags).tag("outcome", "success")
                .description("logins (text -Y login and SASL) by outcome: auth_cmds less auth_errors, and auth_errors")
                .register(registry));
        m.add(FunctionCounter.builder("bastion.auth", s.authErrors, LongAdder::sum)
                .tags(extraTags).tag("outcome", "failure")
                .description("logins (text -Y login and SASL) by outcome: auth_cmds less auth_errors, and auth_errors")
                .register(registry));

        m.counter("bastion.network.received", s.bytesRead, "bytes", "bytes read from clients", extraTags);
        m.counter("bastion.network.sent", s.bytesWritten, "bytes", "bytes written to clients", extraTags);

        m.add(Gauge.builder("bastion.connections.current", s.currConnections, Number::doubleValue)
                .tags(extraTags).description("open client connections").register(registry));
        m.counter("bastion.connections.opened", s.totalConnections, null,
                "connections accepted (total_connections)", extraTags);
        m.counter("bastion.connections.rejected", s.rejectedConnections, null,
                "connections refused over -c or --max-conns-per-ip (rejected_connections)", extraTags);
        m.counter("bastion.connections.yields", s.connYields, null,
                "turns a connection yielded after -R requests so others were served (conn_yields)", extraTags);
        m.counter("bastion.connections.denied", s.deniedConnections, null,
                "connections closed unread because the source is not allowed (denied_connections)", extraTags);
        for (SecurityLog.Kind kind : SecurityLog.Kind.values()) {
            m.add(FunctionCounter.builder("bastion.denied", securityLog.count(kind), LongAdder::sum)
                    .tags(extraTags).tag("reason", kind.label())
                    .description("refusals by reason: security events, counted whether or not rate-limited logging"
                            + " wrote a line").register(registry));
        }

        m.add(Gauge.builder("bastion.items.current", store, Store::itemCount)
                .tags(extraTags).description("items stored now (curr_items)").register(registry));
        m.counter("bastion.items.stored", s.totalItems, null, "items stored since start (total_items)", extraTags);
        m.add(Gauge.builder("bastion.store.size", store, Store::weightedBytes)
                .tags(extraTags).baseUnit("bytes").description("bytes counted against -m: keys, values and per-item"
                        + " overhead (bytes)").register(registry));
        m.add(Gauge.builder("bastion.store.limit", store, Store::limitBytes)
                .tags(extraTags).baseUnit("bytes").description("-m in bytes (limit_maxbytes)").register(registry));
        m.counter("bastion.evictions", s.evictions, null, "items evicted to make room (evictions)", extraTags);

        Timer latency = Timer.builder(LATENCY)
                .tags(extraTags)
                .description("server-side latency of read batches, bytes in to replies flushed; sampled: the first batch of"
                        + " each connection, then one in " + Stats.LATENCY_SAMPLE_EVERY)
                .publishPercentiles(0.5, 0.9, 0.99, 0.999)
                .distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
        m.add(latency);
        s.batchLatency = latency;
        return m;
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private void command(String command, String outcome, LongAdder count, Tags extraTags) {
        add(FunctionCounter.builder(COMMANDS, count, LongAdder::sum)
                .tags(extraTags).tags("command", command, "outcome", outcome)
                .description("commands by type and outcome").register(registry));
    }

    /** A counter over a LongAdder; {@code unit} null for a plain count (Prometheus would append the unit to the name). */
    private void counter(String name, LongAdder count, String unit, String description, Tags extraTags) {
        add(FunctionCounter.builder(name, count, LongAdder::sum)
                .tags(extraTags).baseUnit(unit).description(description).register(registry));
    }

    private void add(Meter meter) {
        meters.add(meter);
    }

    /** Removes this server's meters from the registry (the server stopped; the registry may live on). */
    @Override
    public void close() {
        for (Meter meter : meters) {
            registry.remove(meter);
        }
        meters.clear();
    }
}
