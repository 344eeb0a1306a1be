package org.bastion.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bastion.config.Settings;
import org.junit.jupiter.api.Test;
import org.bastion.metrics.BastionMetrics;
import org.bastion.store.Clock;
import org.bastion.transport.Server;
import org.bastion.testing.WireClient;

/** Concurrent clients on several event loops: `stats` and the Micrometer meters both equal the requests sent. */
class CountersUnderLoadTest {
    private static final int CLIENTS = 4;
    private static final int ROUNDS = 300;

    private static double command(MeterRegistry r, String command, String outcome) {
        return r.get(BastionMetrics.COMMANDS).tag("command", command).tag("outcome", outcome).functionCounter().count();
    }

    @Test
    void statsAndMetersMatchTheRequestsSent() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Server server = Server.start(Settings.builder().port(0).threads(2).build(), Clock.system(), registry)) {
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    done.add(pool.submit(() -> {
                        try (WireClient w = WireClient.connect(server.port())) {
                            for (int i = 0; i < ROUNDS; i++) {
                                String key = "k" + client + "_" + i;
                                w.call("set " + key + " 0 0 2\r\nab\r\n", "STORED\r\n");
                                w.call("add " + key + " 0 0 2\r\nab\r\n", "NOT_STORED\r\n");
                                w.call("get " + key + "\r\n", "END\r\n");
                                w.call("get missing" + key + "\r\n", "END\r\n");
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            int n = CLIENTS * ROUNDS;
            try (WireClient w = WireClient.connect(server.port())) {
                Map<String, String> s = w.stats("");
                assertEquals(Integer.toString(2 * n), s.get("cmd_set"));
                assertEquals(Integer.toString(2 * n), s.get("cmd_get"));
                assertEquals(Integer.toString(n), s.get("get_hits"));
                assertEquals(Integer.toString(n), s.get("get_misses"));
                assertEquals(Integer.toString(n), s.get("curr_items"));
                assertEquals(Integer.toString(n), s.get("total_items"));
            }
            assertEquals(n, command(registry, "set", "stored"));
            assertEquals(n, command(registry, "add", "not_stored"));
            assertEquals(0, command(registry, "add", "stored"));
            assertEquals(n, command(registry, "get", "hit"));
            assertEquals(n, command(registry, "get", "miss"));
            assertEquals(n, registry.get("bastion.items.current").gauge().value());
            assertEquals(CLIENTS + 1, registry.get("bastion.connections.opened").functionCounter().count());
            assertTrue(registry.get("bastion.network.received").functionCounter().count() > n * 20);
            Timer latency = registry.get(BastionMetrics.LATENCY).timer();
            // Sampled: each connection's first batch, then one in SAMPLE_EVERY; never more than the requests sent.
            long requestsPerClient = 4L * ROUNDS;
            assertTrue(latency.count() >= CLIENTS
                    && latency.count() <= CLIENTS * (1 + requestsPerClient / Stats.LATENCY_SAMPLE_EVERY) + 1,
                    "sampled batches " + latency.count());
        }
        assertTrue(registry.find(BastionMetrics.COMMANDS).meters().isEmpty(), "meters removed when the server stops");
    }
}
