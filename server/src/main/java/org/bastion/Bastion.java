package org.bastion;

import java.net.InetSocketAddress;
import java.util.Objects;
import org.bastion.config.Protocol;
import org.bastion.config.Settings;
import org.bastion.server.Server;

/**
 * A running Bastion server inside this JVM.
 *
 * <pre>{@code
 * try (Bastion server = Bastion.builder().port(0).start()) {
 *     MemcachedClient client = new MemcachedClient(new InetSocketAddress("127.0.0.1", server.port()));
 * }
 * }</pre>
 *
 * Defaults are the hardened ones (loopback only, no UDP). Settings are validated by the same model as the CLI, with
 * the same messages. Servers in one JVM share no state, threads or configuration.
 */
public final class Bastion implements AutoCloseable {
    private final Server server;

    private Bastion(Server server) {
        this.server = server;
    }

    /** A builder with the hardened defaults, except that embedded servers default to an ephemeral port. */
    public static Builder builder() {
        return new Builder();
    }

    /** The bound TCP port. */
    public int port() {
        return server.port();
    }

    /** The first bound address, for client constructors. */
    public InetSocketAddress address() {
        return server.addresses().get(0);
    }

    /** The validated settings this server runs with. */
    public Settings settings() {
        return server.settings();
    }

    /** Drops every item, as {@code flush_all} does. */
    public void flushAll() {
        server.flushAll();
    }

    /**
     * Re-reads the {@code --allow-file} (what SIGHUP does for the CLI). Open connections stay open; new ones meet the
     * new rules. A file that cannot be read or parsed keeps the old rules and is logged.
     *
     * @return true when the new rules are in effect
     */
    public boolean reloadAllowFile() {
        return server.reloadAllowFile();
    }

    /** Blocks until the server stops (by {@link #close()}, or a {@code shutdown} command when enabled). */
    public void awaitTermination() {
        server.terminated().join();
    }

    /** Stops the server; returns once its port is released and its threads have ended. */
    @Override
    public void close() {
        server.close();
    }

    /** Configures and starts a {@link Bastion}. Every setter validates at once and names the matching CLI flag. */
    public static final class Builder {
        private Settings.Builder settings = Settings.builder().port(0);

        private Builder() {
        }

        /** Replaces everything set so far with settings validated elsewhere (the CLI). */
        public Builder settings(Settings validated) {
            settings = Objects.requireNonNull(validated, "settings").toBuilder();
            return this;
        }

        private Settings.Builder s() {
            return settings;
        }

        /** TCP port; 0 (the embedded default) asks for an ephemeral one, see {@link Bastion#port()}. */
        public Builder port(int port) {
            s().port(port);
            return this;
        }

        /** Listen address(es), comma-separated; beyond loopback needs {@link #allow(String)}. */
        public Builder listen(String addresses) {
            s().listen(addresses);
            return this;
        }

        public Builder memoryLimitMegabytes(long megabytes) {
            s().memoryLimitMegabytes(megabytes);
            return this;
        }

        public Builder maxItemSize(int bytes) {
            s().maxItemSize(bytes);
            return this;
        }

        public Builder maxConnections(int connections) {
            s().maxConnections(connections);
            return this;
        }

        public Builder maxConnectionsPerSource(int connections) {
            s().maxConnectionsPerSource(connections);
            return this;
        }

        public Builder threads(int threads) {
            s().threads(threads);
            return this;
        }

        /** Networks allowed to connect (CIDR, comma-separated); may be called repeatedly. */
        public Builder allow(String cidrs) {
            s().allow(cidrs);
            return this;
        }

        /** A file of allowed networks, one CIDR per line ({@code #} comments), re-read by {@link #reloadAllowFile()}. */
        public Builder allowFile(java.nio.file.Path file) {
            s().allowFile(file);
            return this;
        }

        /** Networks that may only read. */
        public Builder readOnlyFrom(String cidrs) {
            s().readOnlyFrom(cidrs);
            return this;
        }

        public Builder protocol(Protocol protocol) {
            s().protocol(protocol);
            return this;
        }

        public Builder evictionsDisabled(boolean disabled) {
            s().evictionsDisabled(disabled);
            return this;
        }

        public Builder idleTimeoutSeconds(int seconds) {
            s().idleTimeoutSeconds(seconds);
            return this;
        }

        public Builder requestTimeoutSeconds(int seconds) {
            s().requestTimeoutSeconds(seconds);
            return this;
        }

        public Builder flushAllDisabled(boolean disabled) {
            s().flushAllDisabled(disabled);
            return this;
        }

        public Builder shutdownEnabled(boolean enabled) {
            s().shutdownEnabled(enabled);
            return this;
        }

        public Builder dumpingDisabled(boolean disabled) {
            s().dumpingDisabled(disabled);
            return this;
        }

        /** Validates the settings, binds the port and returns the running server. */
        public Bastion start() {
            return new Bastion(Server.start(s().build()));
        }
    }
}
