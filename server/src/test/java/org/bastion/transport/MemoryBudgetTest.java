package org.bastion.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.PlatformDependent;
import java.nio.charset.StandardCharsets;
import org.bastion.config.Settings;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;

/** The memory budget's figures: sized from direct memory, said in {@code stats settings} and in the start-up line. */
class MemoryBudgetTest {
    @Test
    void figuresAreInStatsSettingsAndTheStartUpLine() throws Exception {
        try (Server server = Server.start(Settings.builder().port(0).threads(1).build());
                WireClient c = WireClient.connect(server.port())) {
            long direct = PlatformDependent.maxDirectMemory();
            assertEquals(Math.max(4L << 20, direct / 4), server.memoryBudget().inputBudget());
            c.send("stats settings\r\n");
            String reply = c.readUntil("END\r\n");
            assertTrue(reply.contains("STAT input_line_max 2048\r\n"), reply);
            assertTrue(reply.contains("STAT input_get_line_max 1048576\r\n"), reply);
            assertTrue(reply.contains("STAT input_budget " + server.memoryBudget().inputBudget() + "\r\n"), reply);
            assertTrue(reply.contains("STAT write_buffer_low_water 131072\r\nSTAT write_buffer_high_water 524288\r\n"),
                    reply);
            assertTrue(reply.contains("STAT max_direct_memory " + direct + "\r\n"), reply);
            assertEquals(Math.max(8L << 20, direct / 2), server.memoryBudget().outputBudget());
            assertTrue(reply.contains("STAT output_budget " + server.memoryBudget().outputBudget() + "\r\n"), reply);
            String line = server.memoryBudget().describe();
            assertTrue(line.contains("input total " + server.memoryBudget().inputBudget() / (1 << 20) + " MiB"), line);
            assertTrue(line.contains("water marks 128/512 KiB"), line);
            assertTrue(line.contains("output total " + server.memoryBudget().outputBudget() / (1 << 20) + " MiB"), line);
            // -c 1024 (the default) connections, each a 1 MiB value in and 512 KiB + a value out.
            long perConnection = (1 << 20) + 2048 + (512 << 10) + (1 << 20);
            assertTrue(line.contains("could hold " + 1024 * perConnection / (1 << 20) + " MiB without the totals"), line);
        }
    }

    /** Pending replies count at what they hold: a buffer grown to 128 KiB that carries 65 KiB counts 128 KiB. */
    @Test
    void pendingRepliesCountByTheMemoryTheyHold() {
        io.netty.buffer.ByteBuf grown = io.netty.buffer.Unpooled.buffer(512);
        grown.writeZero(65 * 1024);
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel();
        ch.config().setMessageSizeEstimator(MemoryBudget.HELD_MEMORY);
        ch.config().setWriteBufferWaterMark(MemoryBudget.waterMark());
        assertTrue(grown.capacity() >= 128 * 1024, "grown by doubling: " + grown.capacity());
        ch.write(grown);
        long held = OutputGuard.held(ch);
        // Netty adds a fixed per-entry overhead (96 bytes) to whatever the estimator says.
        assertTrue(held >= grown.capacity() && held < grown.capacity() + 256, "its capacity, not its 65 KiB: " + held);
        ch.finishAndReleaseAll();
    }
}
