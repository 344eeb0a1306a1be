package org.bastion.command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.bastion.policy.SecurityLog;
import org.bastion.stats.Stat;
import org.bastion.stats.Stats;
import org.bastion.stats.StatsReport;

/** Answers {@link Command.Stats} once policy has allowed it: which group, and where it is computed. */
final class StatsQueries {
    private final StatsReport report;
    private final Stats stats;
    private final SecurityLog securityLog;
    /** Where whole-store walks run; null to run them in place. */
    private final Executor offLoop;

    StatsQueries(StatsReport report, Stats stats, SecurityLog securityLog, Executor offLoop) {
        this.report = report;
        this.stats = stats;
        this.securityLog = securityLog;
        this.offLoop = offLoop;
    }

    /**
     * {@code stats items|slabs|sizes|cachedump} walk the whole store (about 0.14 s for a million items): with an
     * off-loop executor they run there and the outcome is {@link Outcome.Later}, so that a client pipelining them does
     * not stall the other connections of its event loop.
     */
    Outcome answer(Command.Stats query) {
        boolean walksTheStore = switch (query.group()) {
            case "items", "slabs", "sizes", "cachedump" -> true;
            default -> false;
        };
        if (!walksTheStore || offLoop == null) {
            return now(query);
        }
        return OffLoop.later(offLoop, () -> now(query), () -> now(query));
    }

    private Outcome now(Command.Stats query) {
        List<Stat> out = new ArrayList<>();
        switch (query.group()) {
            case "" -> report.general(out);
            case "settings" -> report.settings(out);
            case "items" -> report.items(out);
            case "slabs" -> report.slabs(out);
            case "sizes" -> report.sizes(out);
            case "conns" -> report.conns(out);
            case "sizes_enable", "sizes_disable" -> {
                stats.sizesEnabled = query.group().equals("sizes_enable");
                out.add(new Stat("sizes_status", stats.sizesEnabled ? "enabled" : "disabled"));
            }
            case "reset" -> {
                stats.reset();
                securityLog.resetCounts();
                return Outcome.Done.RESET;
            }
            case "cachedump" -> {
                return new Outcome.Lines(report.cachedump(query.arg(), query.arg2()));
            }
            case "detail" -> {
                return new Outcome.Lines(report.detail(query.arg()));
            }
            default -> {
                return Outcome.Done.UNKNOWN_STATS;
            }
        }
        return new Outcome.Figures(out);
    }
}
