package org.bastion.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.bastion.policy.SecurityLog;

/**
 * {@code --metrics-listen}: the Prometheus scrape endpoint at {@code /metrics}, served by the JDK's own HTTP server on
 * one thread of its own. Sources the cache port would not admit are closed without a reply. Stopped with the server.
 */
public final class MetricsEndpoint implements AutoCloseable {
    static final String PATH = "/metrics";
    /** The Prometheus text exposition format, which every Prometheus version scrapes. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer http;
    private final ExecutorService thread;
    private boolean serving;

    private MetricsEndpoint(HttpServer http, ExecutorService thread) {
        this.http = http;
        this.thread = thread;
    }

    /** A registry for the endpoint to serve; separate so meters can be bound before the endpoint starts. */
    public static io.micrometer.core.instrument.MeterRegistry newRegistry() {
        try {
            return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("--metrics-listen needs io.micrometer:micrometer-registry-prometheus on the"
                    + " class path (the CLI jar has it; add it to an embedding application)", e);
        }
    }

    /**
     * Binds {@code host:port} for {@code registry} (made by {@link #newRegistry()}); serves at once when {@code serve},
     * else from {@link #serve()}.
     *
     * @param admits which sources are served, the cache port's rule
     * @param log where refused sources are reported
     */
    public static MetricsEndpoint start(String hostPort, io.micrometer.core.instrument.MeterRegistry registry,
            Predicate<InetAddress> admits, SecurityLog log, java.util.concurrent.ThreadFactory threads, boolean serve) {
        InetSocketAddress address = parse(hostPort);
        PrometheusMeterRegistry prometheus = (PrometheusMeterRegistry) registry;
        HttpServer http;
        try {
            http = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new IllegalStateException("--metrics-listen: cannot listen on " + hostPort + ": " + e.getMessage()
                    + " (is another process using it? choose another port)", e);
        }
        ExecutorService thread = Executors.newSingleThreadExecutor(threads);
        http.setExecutor(thread);
        http.createContext("/", exchange -> serve(exchange, prometheus, admits, log));
        MetricsEndpoint endpoint = new MetricsEndpoint(http, thread);
        if (serve) {
            endpoint.serve();
        }
        return endpoint;
    }

    private static void serve(HttpExchange exchange, PrometheusMeterRegistry registry, Predicate<InetAddress> admits,
            SecurityLog log) throws IOException {
        try (exchange) {
            InetAddress source = exchange.getRemoteAddress().getAddress();
            if (!admits.test(source)) {
                log.event(SecurityLog.Kind.DENIED_SOURCE, source, "metrics endpoint: closed without a reply");
                return;
            }
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                reply(exchange, 404, "text/plain; charset=utf-8", "not found: metrics are at " + PATH + "\n", method);
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, "text/plain; charset=utf-8", "GET or HEAD only\n", method);
            } else {
                reply(exchange, 200, CONTENT_TYPE, registry.scrape(CONTENT_TYPE), method);
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String type, String body, String method)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = method.equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** {@code host:port} or {@code [v6]:port}, as validated by the settings. */
    static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** Starts serving (the CLI calls this once privileges are dropped); a no-op the second time. */
    public synchronized void serve() {
        if (!serving) {
            serving = true;
            http.start();
        }
    }

    /** The bound address (the port is the real one when 0 was asked for). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Stops the HTTP server and its thread; the registry is closed by its owner. */
    @Override
    public void close() {
        http.stop(0);
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
