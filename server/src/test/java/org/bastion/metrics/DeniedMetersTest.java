package org.bastion.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.bastion.config.Settings;
import org.junit.jupiter.api.Test;
import org.bastion.store.Clock;
import org.bastion.transport.Server;
import org.bastion.testing.WireClient;

/** Refusals by reason reach `bastion.denied` from the places that refuse, through the security log's counts. */
class DeniedMetersTest {
    private static double denied(SimpleMeterRegistry registry, String reason) {
        return registry.get("bastion.denied").tag("reason", reason).functionCounter().count();
    }

    @Test
    void connectionCapAndReadOnlyAreCountedByReason() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Settings settings = Settings.builder().port(0).threads(1).maxConnections(1).readOnlyFrom("127.0.0.0/8")
                .build();
        try (Server server = Server.start(settings, Clock.system(), registry);
                WireClient first = WireClient.connect(server.port())) {
            assertEquals("CLIENT_ERROR access denied\r\n", first.call("set k 0 0 1\r\nv\r\n", "\r\n"));
            try (WireClient second = WireClient.connect(server.port())) {
                assertEquals("ERROR Too many open connections\r\n", second.call("", "\r\n"));
            }
            assertEquals(1, denied(registry, "read_only"));
            assertEquals(1, denied(registry, "global_cap"));
            assertEquals(0, denied(registry, "allowlist"));
            assertEquals(1, registry.get("bastion.connections.rejected").functionCounter().count());
            Map<String, String> stats = first.stats("");
            assertEquals("1", stats.get("rejected_connections"));
        }
    }

    @Test
    void loginsAreCountedInStatsAndMeters(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path users = dir.resolve("users");
        java.nio.file.Files.writeString(users, "alice:secret\n");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Settings settings = Settings.builder().port(0).threads(1).usersFile(users).build();
        try (Server server = Server.start(settings, Clock.system(), registry);
                WireClient c = WireClient.connect(server.port())) {
            assertEquals("CLIENT_ERROR authentication failure", c.call("set a 0 0 11\r\nalice wrong\r\n"));
            assertEquals("STORED", c.call("set a 0 0 12\r\nalice secret\r\n"));
            Map<String, String> stats = c.stats("");
            assertEquals("2", stats.get("auth_cmds"));
            assertEquals("1", stats.get("auth_errors"));
            assertEquals(1, registry.get("bastion.auth").tag("outcome", "success").functionCounter().count());
            assertEquals(1, registry.get("bastion.auth").tag("outcome", "failure").functionCounter().count());
            assertEquals(1, denied(registry, "auth_failure"));
        }
    }
}
