package org.bastion.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Pattern;
import org.bastion.config.Settings;
import org.bastion.config.SettingsException;
import org.junit.jupiter.api.Test;
import org.bastion.store.Clock;
import org.bastion.transport.Server;
import org.bastion.testing.WireClient;

/** --metrics-listen: Prometheus text exposition on loopback, off by default, gone with the server. */
class MetricsEndpointTest {
    /** A sample line of the text format: name, optional labels, a number. */
    private static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\})? "
                    + "(-?[0-9.eE+-]+|NaN|[+-]Inf)( [0-9]+)?");

    private static HttpResponse<String> get(InetSocketAddress address, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + path))
                .timeout(Duration.ofSeconds(10)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesValidExpositionTextNamingTheMeters() throws Exception {
        Settings settings = Settings.builder().port(0).threads(1).metricsListen("127.0.0.1:0").build();
        InetSocketAddress metrics;
        try (Server server = Server.start(settings)) {
            metrics = server.metricsAddress();
            try (WireClient c = WireClient.connect(server.port())) {
                c.call("set a 0 0 1\r\nx\r\n", "\r\n");
                c.call("get a\r\n", "END\r\n");
            }
            HttpResponse<String> response = get(metrics, "/metrics");
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            String body = response.body();
            for (String line : body.split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                assertTrue(line.startsWith("# HELP ") || line.startsWith("# TYPE ") || SAMPLE.matcher(line).matches(),
                        "not exposition text: " + line);
            }
            assertTrue(body.contains("bastion_commands_total{command=\"get\",outcome=\"hit\",port=\""
                    + server.port() + "\"} 1.0"), body);
            assertTrue(body.contains("bastion_commands_total{command=\"set\",outcome=\"stored\""), body);
            for (String name : new String[] {"# TYPE bastion_commands_total counter",
                    "bastion_network_received_bytes_total", "bastion_network_sent_bytes_total",
                    "bastion_connections_current", "bastion_connections_opened", "bastion_connections_rejected",
                    "bastion_connections_denied", "bastion_denied_total{port=\"" + server.port() + "\",reason=\"allowlist\"}",
                    "reason=\"per_source_cap\"", "reason=\"global_cap\"", "reason=\"read_only\"", "reason=\"timeout\"",
                    "bastion_items_current", "bastion_items_stored", "bastion_store_size_bytes", "bastion_evictions",
                    "bastion_command_latency_seconds{port=\"" + server.port() + "\",quantile=\"0.99\"}",
                    "bastion_command_latency_seconds_count",
                    // The JVM's own meters: the heap is where items live and where a Bastion fails.
                    "jvm_memory_used_bytes{area=\"heap\"", "jvm_memory_max_bytes", "jvm_buffer_memory_used_bytes",
                    "jvm_gc_max_data_size_bytes", "jvm_threads_live_threads", "process_cpu_usage"}) {
                assertTrue(body.contains(name), name + " missing from\n" + body);
            }
            assertEquals(404, get(metrics, "/").statusCode());
        }
        assertThrows(java.io.IOException.class, () -> get(metrics, "/metrics"), "endpoint stops with the server");
        Thread.sleep(100);
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && (t.getName().contains("-metrics") || t.getName().equals("HTTP-Dispatcher"))),
                "no metrics thread left behind");
    }

    @Test
    void sourcesTheAllowRulesDoNotListAreNotServed() throws Exception {
        // 127.0.0.1 is not in the only allowed network, so the scrape is closed without a reply, as on the cache port.
        Settings settings = Settings.builder().port(0).threads(1).allow("192.0.2.0/24").metricsListen("127.0.0.1:0")
                .build();
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (Server server = Server.start(settings, Clock.system(), registry)) {
            assertThrows(java.io.IOException.class, () -> get(server.metricsAddress(), "/metrics"));
            // The JDK client retries an idempotent GET once on a closed connection, so one or two refusals.
            double refused = registry.get("bastion.denied").tag("reason", "allowlist").functionCounter().count();
            assertTrue(refused >= 1 && refused <= 2, "refusals " + refused);
        }
    }

    @Test
    void offByDefault() {
        try (Server server = Server.start(Settings.builder().port(0).threads(1).build())) {
            assertNull(server.metricsAddress());
        }
    }

    @Test
    void listenAddressIsValidatedAndLoopbackUnlessAllowed() {
        assertThrows(SettingsException.class, () -> Settings.builder().metricsListen("9150"));
        assertThrows(SettingsException.class, () -> Settings.builder().metricsListen("127.0.0.1:99999"));
        assertThrows(SettingsException.class, () -> Settings.builder().metricsListen("::1:9150"));
        SettingsException e = assertThrows(SettingsException.class,
                () -> Settings.builder().metricsListen("0.0.0.0:9150").build());
        assertTrue(e.getMessage().startsWith("--metrics-listen"), e.getMessage());
        assertEquals("[::1]:9150", Settings.builder().metricsListen("[::1]:9150").build().metricsListen());
        assertEquals("0.0.0.0:9150",
                Settings.builder().allow("10.0.0.0/8").metricsListen("0.0.0.0:9150").build().metricsListen());
    }
}
