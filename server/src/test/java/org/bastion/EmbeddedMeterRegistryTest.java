package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;

/** An application's own MeterRegistry sees Bastion's meters, tagged with the port, until the server stops. */
class EmbeddedMeterRegistryTest {
    @Test
    void metersAppearInTheApplicationsRegistry() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Bastion server = Bastion.builder().settings(s -> s.threads(1)).meterRegistry(registry).start()) {
            try (WireClient c = WireClient.connect(server.port())) {
                c.send("set k 0 0 1\r\nv\r\n");
                assertEquals("STORED\r\n", WireClient.ascii(c.readExactly(8)));
            }
            assertEquals(1, registry.get("bastion.commands").tag("command", "set").tag("outcome", "stored")
                    .tag("port", Integer.toString(server.port())).functionCounter().count());
            assertEquals(1, registry.get("bastion.items.current").gauge().value());
        }
        assertTrue(registry.getMeters().isEmpty(), "meters removed with the server: " + registry.getMeters());
    }
}
