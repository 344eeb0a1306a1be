package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** An application's own MeterRegistry sees Bastion's meters, tagged with the port, until the server stops. */
class EmbeddedMeterRegistryTest {
    @Test
    void metersAppearInTheApplicationsRegistry() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Bastion server = Bastion.builder().settings(s -> s.threads(1)).meterRegistry(registry).start()) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write("set k 0 0 1\r\nv\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                byte[] reply = new byte[8];
                int n = 0;
                while (n < reply.length) {
                    int r = in.read(reply, n, reply.length - n);
                    assertTrue(r > 0, "connection closed early");
                    n += r;
                }
                assertEquals("STORED\r\n", new String(reply, StandardCharsets.US_ASCII));
            }
            assertEquals(1, registry.get("bastion.commands").tag("command", "set").tag("outcome", "stored")
                    .tag("port", Integer.toString(server.port())).functionCounter().count());
            assertEquals(1, registry.get("bastion.items.current").gauge().value());
        }
        assertTrue(registry.getMeters().isEmpty(), "meters removed with the server: " + registry.getMeters());
    }
}
