package org.bastion.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.bastion.config.Settings;
import org.junit.jupiter.api.Test;
import org.bastion.metrics.BastionMetrics;
import org.bastion.store.Clock;
import org.bastion.transport.Server;
import org.bastion.testing.WireClient;

/** Meta storage commands land in the same `bastion.commands` outcomes as text ones: one execution path, one count. */
class ProtocolOutcomesTest {
    private static double count(SimpleMeterRegistry r, String command, String outcome) {
        return r.get(BastionMetrics.COMMANDS).tag("command", command).tag("outcome", outcome).functionCounter().count();
    }

    @Test
    void metaAndTextSetsAreCountedTogether() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Server server = Server.start(Settings.builder().port(0).threads(1).build(), Clock.system(), registry);
                WireClient c = WireClient.connect(server.port())) {
            assertEquals("STORED\r\n", c.call("set t 0 0 1\r\nv\r\n", "\r\n"));
            assertEquals("HD\r\n", c.call("ms m 1\r\nv\r\n", "\r\n"));
            assertEquals("NS\r\n", c.call("ms m 1 ME\r\nv\r\n", "\r\n"));
            assertEquals(2, count(registry, "set", "stored"));
            assertEquals(1, count(registry, "add", "not_stored"));
            assertEquals("3", c.stats("").get("cmd_set"));
        }
    }
}
