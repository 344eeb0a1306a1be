package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CLI jar as shipped: the Prometheus registry and the SLF4J backend are inside it, so --metrics-listen serves
 * metrics and a security event reaches stderr as one log line.
 */
class ObservabilityJarIT {
    private static final Pattern LISTENING = Pattern.compile("listening on .* port (\\d+)");
    private static final Pattern METRICS = Pattern.compile("metrics on (http://\\S+/metrics)");

    private Process process;
    private final BlockingQueue<String> output = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private String awaitLine(Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String line = output.poll(200, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.add(line);
                if (pattern.matcher(line).find()) {
                    return line;
                }
            }
        }
        fail("no line matching " + pattern + " in " + seen);
        return null;
    }

    private static String call(int port, String request, String terminator) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder got = new StringBuilder();
            for (int b; !got.toString().endsWith(terminator) && (b = in.read()) >= 0; ) {
                got.append((char) b);
            }
            return got.toString();
        }
    }

    @Test
    void metricsEndpointAndSecurityLogWorkFromTheJar() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-jar", System.getProperty("bastion.jar"), "-p", "0", "-m", "16", "-t", "1", "-c", "1",
                "--metrics-listen", "127.0.0.1:0"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "root")); // CI runs as root; a root start must be explicit
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "bastion-output");
        pump.setDaemon(true);
        pump.start();
        Matcher listening = LISTENING.matcher(awaitLine(LISTENING));
        assertTrue(listening.find());
        int port = Integer.parseInt(listening.group(1));
        Matcher metrics = METRICS.matcher(awaitLine(METRICS));
        assertTrue(metrics.find());

        try (Socket held = new Socket("127.0.0.1", port)) {
            held.setSoTimeout(10_000);
            held.getOutputStream().write("set k 0 0 1\r\nv\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] stored = held.getInputStream().readNBytes(8);
            assertEquals("STORED\r\n", new String(stored, StandardCharsets.US_ASCII));
            // -c 1 is full: the next connection is refused, a security event.
            assertEquals("ERROR Too many open connections\r\n", call(port, "", "\r\n"));
        }
        String logLine = awaitLine(Pattern.compile("WARN org\\.bastion\\.security - security event=connection_cap"));
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
