package org.bastion;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.bastion.config.Settings;
import org.bastion.store.Clock;
import org.bastion.transport.Server;

/**
 * A Bastion server running inside this JVM: started by {@link Builder#start()}, stopped by {@link #close()}.
 *
 * <pre>{@code
 * try (Bastion server = Bastion.builder().start()) {
 *     MemcachedClient client = new MemcachedClient(new InetSocketAddress("127.0.0.1", server.port()));
 *     ...
 * }
 * }</pre>
 *
 * <p>Embedded defaults are the hardened ones: listen on 127.0.0.1 only, no UDP, and connections from loopback
 * sources only. Three things differ from the CLI, to make start and stop fast: the port is ephemeral
 * ({@code port(0)}), there is {@value #DEFAULT_THREADS} worker event loop instead of one per core, and the transport
 * is Java NIO rather than Linux epoll (see {@link Builder#nativeTransport(boolean)}). The root check belongs to the
 * CLI; embedding never checks who runs the JVM.
 *
 * <p>Settings are validated by the same {@link Settings} model as the command line, so an invalid value fails with
 * the CLI's message, naming the CLI flag, as a {@code SettingsException}.
 *
 * <p>Servers in one JVM share no items, counters, configuration or threads. Each server's threads are daemons named
 * {@code bastion-<n>-...}, and all of them have ended when {@link #close()} returns.
 */
public final class Bastion implements AutoCloseable {
    /** Worker event loops of an embedded server unless {@link Builder#threads(int)} says otherwise. */
    public static final int DEFAULT_THREADS = 1;

    private final Server server;
    /** Taken once bound, so they can still be told (in messages, say) after close(). */
    private final List<InetSocketAddress> addresses;

    private Bastion(Server server) {
        this.server = server;
        this.addresses = List.copyOf(server.addresses());
    }

    /** A builder with the hardened defaults, an ephemeral port and {@value #DEFAULT_THREADS} worker event loop. */
    public static Builder builder() {
        return new Builder();
    }

    /** The bound TCP port: the one asked for, or the ephemeral one the OS chose for {@code port(0)}. */
    public int port() {
        return server.port();
    }

    /** The first bound socket address, such as 127.0.0.1 and {@link #port()}, for client constructors. */
    public InetSocketAddress address() {
        return addresses.get(0);
    }

    /** Every bound socket address, one per {@link Builder#listen(String) listen address}. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** {@code host:port} of {@link #address()}, the form clients such as spymemcached's {@code AddrUtil} parse. */
    public String hostAndPort() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The bound address of the {@code --metrics-listen} Prometheus endpoint, or null when it is off. */
    public InetSocketAddress metricsAddress() {
        return server.metricsAddress();
    }

    /** The validated settings this server runs with. */
    public Settings settings() {
        return server.settings();
    }

    /** Drops every item at once, as {@code flush_all} does (even when {@code -F} refuses the command to clients). */
    public void flushAll() {
        server.flushAll();
    }

    /** Whether this server uses Linux's native epoll transport (see {@link Builder#nativeTransport}), else NIO. */
    public boolean usesNativeTransport() {
        return server.usesNativeTransport();
    }

    /**
     * Re-reads the {@link Builder#allowFile allow file} (what SIGHUP does for the CLI). Open connections stay open;
     * new ones meet the new rules. A file that cannot be read or parsed keeps the old rules and is logged.
     *
     * @return true when the new rules are in effect
     */
    public boolean reloadAllowFile() {
        return server.reloadAllowFile();
    }

    /**
     * Re-reads the users file ({@code Settings.Builder#usersFile}, what SIGHUP does for the CLI). Connections that
     * logged in keep their user; new logins meet the new file. A bad file keeps the old users and is logged.
     *
     * @return true when the new users are in effect (false too when no users file is configured)
     */
    public boolean reloadUsers() {
        return server.reloadUsers();
    }

    /** The prefix of every thread name of this server, such as {@code bastion-3-}. */
    public String threadNamePrefix() {
        return server.threadNamePrefix();
    }

    /** Blocks until the server stops, by {@link #close()} or by a {@code shutdown} command when enabled. */
    public void awaitTermination() {
        server.awaitTermination();
    }

    /**
     * Stops the server: closes the listening sockets and every connection, and returns once the port is released and
     * every thread of this server has ended. Calling it again does nothing.
     */
    @Override
    public void close() {
        server.close();
    }

    @Override
    public String toString() {
        return "Bastion[" + hostAndPort() + "]";
    }

    /**
     * Configures and starts {@link Bastion} servers. The settings are {@link Settings.Builder}'s, the same setters the
     * CLI's flags go through, so each fails at once with the message the CLI gives for its flag; combinations (such as
     * {@code -I} over half of {@code -m}, or a listen address beyond loopback without an allow rule) are checked by
     * {@link #start()}. Embedded servers start from port 0 (an ephemeral port) and {@value Bastion#DEFAULT_THREADS}
     * worker thread. A builder can start any number of independent servers.
     *
     * <pre>{@code
     * try (Bastion cache = Bastion.builder().settings(s -> s.memoryLimitMegabytes(16).flushAllDisabled(true)).start()) {
     *     ... cache.port() ...
     * }
     * }</pre>
     */
    public static final class Builder {
        private Settings.Builder settings = Settings.builder().port(0).threads(DEFAULT_THREADS);
        private boolean nativeTransport;
        private io.micrometer.core.instrument.MeterRegistry meterRegistry;

        private Builder() {
        }

        /** Changes the settings: {@code configure} is handed the builder holding everything set so far. */
        public Builder settings(Consumer<Settings.Builder> configure) {
            Objects.requireNonNull(configure, "configure").accept(settings);
            return this;
        }

        /** Replaces everything set so far with settings validated elsewhere, such as by the CLI's flag parser. */
        public Builder settings(Settings validated) {
            settings = Objects.requireNonNull(validated, "settings").toBuilder();
            return this;
        }

        /**
         * Registers Bastion's meters ({@code bastion.commands}, {@code bastion.connections.*}, ...) in the
         * application's own registry, tagged {@code port}; they are removed again when the server stops.
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Whether to use Linux's native epoll transport where available instead of Java NIO. Off by default when
         * embedded: loading the native library adds about 100 ms to the first start in a JVM, and tests do not need
         * epoll's throughput. The CLI turns it on.
         */
        public Builder nativeTransport(boolean enabled) {
            this.nativeTransport = enabled;
            return this;
        }

        /** Validates the combination of settings without starting anything. */
        public Settings build() {
            return settings.build();
        }

        /**
         * Validates the settings, binds every listen address and returns the running server. The port is bound when
         * this returns; a bind failure leaves no thread behind.
         *
         * @throws SettingsException when the settings cannot be used together
         * @throws IllegalStateException when an address cannot be bound
         */
        public Bastion start() {
            return new Bastion(Server.start(settings.build(), Clock.system(), nativeTransport, meterRegistry));
        }
    }
}
