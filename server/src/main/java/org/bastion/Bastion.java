package org.bastion;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.bastion.config.Protocol;
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
     * Configures and starts {@link Bastion} servers. Each setter validates at once and fails with the message the CLI
     * gives for its flag; combinations (such as {@code -I} over half of {@code -m}, or a listen address beyond
     * loopback without an allow rule) are checked by {@link #start()}. A builder can start any number of independent
     * servers.
     */
    public static final class Builder {
        private Settings.Builder settings = Settings.builder().port(0).threads(DEFAULT_THREADS);
        private boolean nativeTransport;
        private io.micrometer.core.instrument.MeterRegistry meterRegistry;

        private Builder() {
        }

        /** Replaces everything set so far with settings validated elsewhere, such as by the CLI's flag parser. */
        public Builder settings(Settings validated) {
            settings = Objects.requireNonNull(validated, "settings").toBuilder();
            return this;
        }

        /** {@code -p}: the TCP port; 0 (the embedded default) asks for an ephemeral one, see {@link Bastion#port()}. */
        public Builder port(int port) {
            settings.port(port);
            return this;
        }

        /**
         * {@code -l}: the address(es) to listen on, comma-separated (default 127.0.0.1). Any address beyond loopback
         * also needs {@link #allow(String)}.
         */
        public Builder listen(String addresses) {
            settings.listen(Objects.requireNonNull(addresses, "addresses"));
            return this;
        }

        /** {@code -m}: memory for items in megabytes, keys and per-item overhead included (default 64). */
        public Builder memoryLimitMegabytes(long megabytes) {
            settings.memoryLimit(Long.toString(megabytes));
            return this;
        }

        /** {@code -m} as the CLI spells it: megabytes, or a size with a {@code k}, {@code m} or {@code g} suffix. */
        public Builder memoryLimit(String size) {
            settings.memoryLimit(Objects.requireNonNull(size, "size"));
            return this;
        }

        /** {@code -I}: the largest value accepted, in bytes, 1k..1g and at most half the memory limit (default 1m). */
        public Builder maxItemSize(int bytes) {
            settings.maxItemSize(Integer.toString(bytes));
            return this;
        }

        /** {@code -I} as the CLI spells it: bytes, or a size with a {@code k}, {@code m} or {@code g} suffix. */
        public Builder maxItemSize(String size) {
            settings.maxItemSize(Objects.requireNonNull(size, "size"));
            return this;
        }

        /** {@code -M}: answer an error when memory is full instead of evicting items (default off). */
        public Builder evictionsDisabled(boolean disabled) {
            settings.evictionsDisabled(disabled);
            return this;
        }

        /** {@code -c}: simultaneous connections; the next one is told {@code ERROR Too many open connections}. */
        public Builder maxConnections(int connections) {
            settings.maxConnections(connections);
            return this;
        }

        /** {@code --max-conns-per-ip}: connections one source address may hold; 0 (default) means only {@code -c}. */
        public Builder maxConnectionsPerSource(int connections) {
            settings.maxConnectionsPerSource(connections);
            return this;
        }

        /** {@code -t}: worker event loops (default {@value Bastion#DEFAULT_THREADS} when embedded). */
        public Builder threads(int threads) {
            settings.threads(threads);
            return this;
        }

        /**
         * {@code --allow}: networks allowed to connect, as CIDRs, comma-separated; adds to earlier calls. Without any,
         * only loopback sources may connect.
         */
        public Builder allow(String cidrs) {
            settings.allow(Objects.requireNonNull(cidrs, "cidrs"));
            return this;
        }

        /**
         * {@code --allow-file}: a file of allowed networks, one CIDR per line ({@code #} comments), read at start and
         * re-read by {@link Bastion#reloadAllowFile()}.
         */
        public Builder allowFile(Path file) {
            settings.allowFile(Objects.requireNonNull(file, "file"));
            return this;
        }

        /** {@code --read-only-from}: networks whose clients may read but not write, flush or shut down. */
        public Builder readOnlyFrom(String cidrs) {
            settings.readOnlyFrom(Objects.requireNonNull(cidrs, "cidrs"));
            return this;
        }

        /** {@code -B}: which protocol connections may speak (default {@link Protocol#AUTO}, decided per connection). */
        public Builder protocol(Protocol protocol) {
            settings.protocol(protocol);
            return this;
        }

        /** {@code -B} as the CLI spells it: {@code auto}, {@code ascii} or {@code binary}. */
        public Builder protocol(String protocol) {
            settings.protocol(Objects.requireNonNull(protocol, "protocol"));
            return this;
        }

        /** {@code -o idle_timeout}: close connections idle this many seconds; 0 (default) never. */
        public Builder idleTimeoutSeconds(int seconds) {
            settings.idleTimeoutSeconds(seconds);
            return this;
        }

        /** {@code --request-timeout}: close a connection stuck mid-command this many seconds (default 30; 0 off). */
        public Builder requestTimeoutSeconds(int seconds) {
            settings.requestTimeoutSeconds(seconds);
            return this;
        }

        /** {@code -F}: refuse the {@code flush_all} command (default: allowed). {@link Bastion#flushAll()} still works. */
        public Builder flushAllDisabled(boolean disabled) {
            settings.flushAllDisabled(disabled);
            return this;
        }

        /** {@code -A}: allow the {@code shutdown} command, which stops this server (default: refused). */
        public Builder shutdownEnabled(boolean enabled) {
            settings.shutdownEnabled(enabled);
            return this;
        }

        /** {@code -X}: refuse key-dumping commands (default: allowed). */
        public Builder dumpingDisabled(boolean disabled) {
            settings.dumpingDisabled(disabled);
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

        /** {@code -v}: verbosity, 0 (default) to 2. */
        public Builder verbosity(int level) {
            settings.verbosity(level);
            return this;
        }

        /**
         * {@code -U}: accepted for parity with the CLI; only 0 (the default, no UDP) is valid, any other port fails
         * at {@link #start()} naming the amplification risk.
         */
        public Builder udpPort(int port) {
            settings.udpPort(port);
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
