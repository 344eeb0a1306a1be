package org.bastion.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.internal.PlatformDependent;
import org.bastion.config.Settings;
import org.bastion.policy.SecurityLog;
import org.bastion.protocol.InputBudget;
import org.bastion.protocol.text.TextProtocolHandler;

/**
 * The memory a server lets its clients make it hold, sized at start-up from the direct memory the JVM may use (Netty's
 * buffers live there; {@code -XX:MaxDirectMemorySize}, else the heap size):
 * <ul>
 * <li>input per connection: a command line up to {@link TextProtocolHandler#MAX_LINE} bytes (get/gets
 * {@link TextProtocolHandler#MAX_GET_LINE}), a value up to {@code -I};</li>
 * <li>input in total: {@link #inputBudget()}, a quarter of direct memory (at least 4 MiB): past it the largest partial
 * holders are closed;</li>
 * <li>output per connection: the write-buffer water marks; past {@link #HIGH_WATER} bytes not taken by the client, the
 * connection's requests are not read until its replies drain below {@link #LOW_WATER}. A connection holds at most
 * the high mark plus one value in output buffers.</li>
 * <li>output in total: {@link #outputBudget()}, half of direct memory (at least 8 MiB): past it the connections holding
 * the most replies they do not read are closed ({@link OutputGuard}).</li>
 * </ul>
 * Input and output budgets together are three quarters of direct memory, so what clients can make the server hold
 * fits whatever {@code -c} and {@code -I} are; the rest is for replies being written. {@link #worstCase()} says what
 * {@code -c} connections could hold without the totals, for the start-up line.
 */
public final class MemoryBudget {
    public static final int LOW_WATER = 128 * 1024;
    public static final int HIGH_WATER = 512 * 1024;
    private static final long MIN_INPUT_BUDGET = 4L * 1024 * 1024;
    private static final long MIN_OUTPUT_BUDGET = 8L * 1024 * 1024;

    private final long directMemory;
    private final InputBudget input;
    private final OutputGuard output;
    private final int maxItemSize;
    private final int maxConnections;

    MemoryBudget(Settings settings, SecurityLog securityLog) {
        this.directMemory = PlatformDependent.maxDirectMemory();
        this.input = new InputBudget(Math.max(MIN_INPUT_BUDGET, directMemory / 4));
        this.output = new OutputGuard(Math.max(MIN_OUTPUT_BUDGET, directMemory / 2), securityLog);
        this.maxItemSize = settings.maxItemSize();
        this.maxConnections = settings.maxConnections();
    }

    InputBudget input() {
        return input;
    }

    OutputGuard output() {
        return output;
    }

    public long outputBudget() {
        return output.limit();
    }

    /** Connections closed so far for holding replies they did not read past the output budget. */
    public long outputClosed() {
        return output.closed();
    }

    /**
     * What {@code -c} connections could make the server hold without the totals: each a partial value of {@code -I}
     * (or a get line) in, and its high water mark plus one value out.
     */
    public long worstCase() {
        long in = Math.max(TextProtocolHandler.MAX_GET_LINE, maxItemSize + TextProtocolHandler.MAX_LINE);
        long out = (long) HIGH_WATER + maxItemSize;
        return (long) maxConnections * (in + out);
    }

    static WriteBufferWaterMark waterMark() {
        return new WriteBufferWaterMark(LOW_WATER, HIGH_WATER);
    }

    /**
     * Counts a pending reply buffer by its capacity, the memory it holds, where Netty counts its readable bytes: a
     * reply buffer grown by doubling holds up to twice what it carries, and counting only what it carries let 900 watchers
     * that never read hold twice the output budget and end the process out of direct memory. The water marks and
     * {@link OutputGuard} both see this figure.
     */
    static final MessageSizeEstimator HELD_MEMORY = () -> msg -> {
        if (msg instanceof ByteBuf buf) {
            return buf.capacity();
        }
        if (msg instanceof ByteBufHolder holder) {
            return holder.content().capacity();
        }
        return msg instanceof FileRegion ? 0 : 8;
    };

    public long inputBudget() {
        return input.limit();
    }

    public long directMemory() {
        return directMemory;
    }

    /** The figures for {@code stats settings}, as name/value pairs. */
    public String[][] figures() {
        return new String[][] {
            {"input_line_max", Integer.toString(TextProtocolHandler.MAX_LINE)},
            {"input_get_line_max", Integer.toString(TextProtocolHandler.MAX_GET_LINE)},
            {"input_budget", Long.toString(input.limit())},
            {"output_budget", Long.toString(output.limit())},
            {"write_buffer_low_water", Integer.toString(LOW_WATER)},
            {"write_buffer_high_water", Integer.toString(HIGH_WATER)},
            {"max_direct_memory", Long.toString(directMemory)},
        };
    }

    /** One line for the start-up output. */
    public String describe() {
        return "bastion: memory budget: input per connection " + TextProtocolHandler.MAX_LINE + " B line (get/gets "
                + TextProtocolHandler.MAX_GET_LINE + " B), values up to -I " + maxItemSize + " B; input total "
                + mib(input.limit()) + " (closes the largest partial senders past it); output per connection water"
                + " marks " + LOW_WATER / 1024 + "/" + HIGH_WATER / 1024 + " KiB (stops reading past the high mark);"
                + " output total " + mib(output.limit()) + " (closes the largest stalled readers past it); -c "
                + maxConnections + " connections could hold " + mib(worstCase()) + " without the totals; direct memory "
                + mib(directMemory) + ", heap " + mib(Runtime.getRuntime().maxMemory());
    }

    private static String mib(long bytes) {
        return (bytes / (1024 * 1024)) + " MiB";
    }
}
