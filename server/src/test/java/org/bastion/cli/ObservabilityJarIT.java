package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;

/**
 * The CLI jar as shipped: the Prometheus registry and the SLF4J backend are inside it, so --metrics-listen serves
 * metrics and a security event reaches stderr as one log line.
 */
class ObservabilityJarIT {
    private static final Pattern METRICS = Pattern.compile("metrics on (http://\\S+/metrics)");

    @Test
    void metricsEndpointAndSecurityLogWorkFromTheJar() throws Exception {
        try (Jar.Server server = new Jar.Server(Jar.asThisUser("-p", "0", "-m", "16", "-t", "1", "-c", "1",
                "--metrics-listen", "127.0.0.1:0"))) {
            check(server);
        }
    }

    private static void check(Jar.Server server) throws Exception {
        int port = server.port;
        Matcher metrics = METRICS.matcher(server.awaitLine(METRICS, 30));
        assertTrue(metrics.find());

        try (WireClient held = WireClient.connect(port)) {
            held.send("set k 0 0 1\r\nv\r\n");
            assertEquals("STORED\r\n", WireClient.ascii(held.readAtMost(8)));
            // -c 1 is full: the next connection is refused, a security event.
            assertEquals("ERROR Too many open connections\r\n", WireClient.call(port, "", "\r\n"));
        }
        String logLine = server.awaitLine(
                Pattern.compile("WARN org\\.bastion\\.security - security event=connection_cap"), 30);
        assertTrue(logLine.matches("\\d{4}-\\d\\d-\\d\\dT.* source=127\\.0\\.0\\.1 .*"), logLine);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(metrics.group(1)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        String body = response.body();
        assertTrue(body.contains("bastion_commands_total{command=\"set\",outcome=\"stored\",port=\"" + port + "\"} 1.0"),
                body);
        assertTrue(body.contains("bastion_denied_total{port=\"" + port + "\",reason=\"global_cap\"} 1.0"), body);
    }
}
