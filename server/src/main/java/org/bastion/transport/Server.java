package org.bastion.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.bastion.config.Listener;
import org.bastion.config.Settings;
import org.bastion.command.CommandExecutor;
import org.bastion.metrics.BastionMetrics;
import org.bastion.metrics.JvmMeters;
import org.bastion.metrics.MetricsEndpoint;
import org.bastion.policy.SourcePolicy;
import org.bastion.auth.Authenticator;
import org.bastion.auth.LoginThrottle;
import org.bastion.auth.Users;
import org.bastion.stats.Stats;
import org.bastion.tls.ServerTls;
import org.bastion.store.Clock;
import org.bastion.store.Store;
import org.bastion.command.ServerControl;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.ConnectionLimits;
import org.bastion.snapshot.SnapshotException;
import org.bastion.snapshot.Snapshots;

/**
 * A running server: its event loops, listening sockets, store and counters. Nothing here is static, so several
 * servers in one JVM share nothing. Internal: users start servers through {@code org.bastion.Bastion} or the CLI.
 *
 * <p>Long because it owns the whole lifecycle in one place, so start and stop stay symmetric: what is built before any
 * thread exists (source policy, TLS certificates), binding every listener (with {@code notls:} and per-listener ports),
 * the metrics endpoint, the reloads SIGHUP asks for, and a close that waits for every thread it started.
 */
public final class Server implements AutoCloseable {
    private final Settings settings;
    private final Stats stats = new Stats();
    private final Store store;
    private final CommandExecutor exec;
    private final MemoryBudget budget;
    /** Security events from the gate, the timeouts and the command path, rate-limited per source. */
    private final SecurityLog securityLog = new SecurityLog();
    private static final System.Logger LOG = System.getLogger("org.bastion.server");
    private final SourcePolicy sourcePolicy;
    /** {@code -Z}'s certificates and engine, or null. */
    private final ServerTls tls;
    /** Checks logins against the users file; null when none is configured. */
    private final Authenticator authenticator;
    /** Where password checks and whole-store stats walks run, off the event loops. */
    private final ThreadPoolExecutor slowWork;
    private final EventLoops boss;
    private final EventLoops workers;
    private final ServerThreads threads = new ServerThreads();
    private final List<Channel> listeners = new ArrayList<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /** The thread a {@code shutdown} command closes the server from, or null. */
    private volatile Thread shutdownThread;
    /** The embedding application's registry, or null. */
    private final MeterRegistry userRegistry;
    /** The registry behind --metrics-listen, owned (and closed) by this server, or null. */
    private MeterRegistry endpointRegistry;
    private final List<BastionMetrics> metrics = new ArrayList<>();
    private MetricsEndpoint metricsEndpoint;
    /** JVM meters on the endpoint's registry, or null. */
    private JvmMeters jvmMeters;
    /** Loads, writes and schedules snapshots with {@code --snapshot-file}; null without. */
    private final Snapshots snapshots;
    private volatile int verbosity;
    private volatile boolean closed;
    private int port;
    /** The connections' stages, and the set of open connections close() closes; null until bound. */
    private Pipeline pipeline;

    /** How long a TLS handshake may take when {@code --request-timeout} is off. */
    private static final int DEFAULT_HANDSHAKE_SECONDS = 10;

    /** Linux epoll rather than NIO: faster under load, but loading its native library slows a JVM's first start. */
    private final boolean nativeTransport;

    private Server(Settings settings, Clock clock, boolean preferNativeTransport, MeterRegistry userRegistry) {
        this.settings = settings;
        this.userRegistry = userRegistry;
        // First, before any thread exists: a bad --allow-file stops the start with nothing to clean up.
        this.sourcePolicy = new SourcePolicy(settings);
        // Likewise unreadable certificates; loaded before privileges are dropped, as memcached loads them.
        this.tls = settings.tls().enabled() ? ServerTls.start(settings.tls(), stats,
                settings.requestTimeoutSeconds() > 0 ? settings.requestTimeoutSeconds() : DEFAULT_HANDSHAKE_SECONDS)
                : null;
        // So is a bad users file.
        this.authenticator = settings.usersFile() == null ? null
                : new Authenticator(Users.read(settings.usersFile()), new LoginThrottle());
        if (tls != null && authenticator != null) {
            tls.identities(name -> authenticator.users().find(name));
        }
        this.verbosity = settings.verbosity();
        stats.verbose.level(settings.verbosity());
        this.budget = new MemoryBudget(settings, securityLog);
        this.store = new Store(settings.memoryLimitBytes(), settings.evictionsDisabled(), settings.maxItemSize(), clock,
                stats);
        if (settings.casDisabled()) {
            store.disableCas();
        }
        this.snapshots = settings.snapshotFile() == null ? null : new Snapshots(store, settings.snapshotFile(),
                settings.snapshotIntervalSeconds(), settings.snapshotCorruptStartsEmpty(), Snapshots.bastionVersion(),
                threads.factory("snapshot"));
        // One thread does what would stall an event loop: password checks (a hashed one takes tens of ms) and stats
        // groups that walk the whole store. Each connection waits for its own, so the queue holds at most one per
        // connection; the thread starts on first use.
        this.slowWork = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, settings.maxConnections())), threads.factory("slow"));
        this.exec = new CommandExecutor(store, stats, settings, new Control(), securityLog, authenticator, slowWork);
        this.nativeTransport = preferNativeTransport && Epoll.isAvailable();
        IoHandlerFactory io = nativeTransport ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.boss = new EventLoops(1, threads.factory("accept"), io);
        this.workers = new EventLoops(settings.threads(), threads.factory("worker"), io);
    }

    /** Binds every listen address and returns once the server accepts connections. */
    public static Server start(Settings settings) {
        return start(settings, Clock.system());
    }

    /** As {@link #start(Settings)} with a clock of the caller's choosing (tests). */
    public static Server start(Settings settings, Clock clock) {
        return start(settings, clock, true, null, true);
    }

    /**
     * As {@link #start(Settings, Clock)}, also registering Bastion's meters in {@code registry} (null for none). The
     * meters are removed from the registry when the server stops.
     */
    public static Server start(Settings settings, Clock clock, MeterRegistry registry) {
        return start(settings, clock, true, registry, true);
    }

    /** As {@link #start(Settings, Clock, boolean)}, also registering Bastion's meters in {@code registry} (or null). */
    public static Server start(Settings settings, Clock clock, boolean preferNativeTransport, MeterRegistry registry) {
        return start(settings, clock, preferNativeTransport, registry, true);
    }

    /** As {@link #start(Settings, Clock)}, choosing whether epoll may be used where available (else NIO). */
    public static Server start(Settings settings, Clock clock, boolean preferNativeTransport) {
        return start(settings, clock, preferNativeTransport, null, true);
    }

    /**
     * Binds every listen address but accepts no connection until {@link #acceptConnections()}: the CLI drops root
     * privileges in between, so no request is ever served as root. Connections wait in the listen backlog meanwhile.
     */
    public static Server bindWithoutAccepting(Settings settings) {
        return start(settings, Clock.system(), true, null, false);
    }

    private static Server start(Settings settings, Clock clock, boolean preferNativeTransport,
            MeterRegistry registry, boolean accept) {
        Server server = new Server(settings, clock, preferNativeTransport, registry);
        try {
            server.loadSnapshot();
            server.bind(accept);
            server.startMetrics(accept);
            if (accept && server.snapshots != null) {
                server.snapshots.arm();
            }
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Before listening: the snapshot's items are in the store before any client can ask for them. */
    private void loadSnapshot() {
        if (snapshots != null) {
            try {
                snapshots.load();
            } catch (SnapshotException e) {
                throw new IllegalStateException("--snapshot-file: " + e.getMessage(), e);
            }
        }
    }

    /** Starts accepting on every listener bound by {@link #bindWithoutAccepting(Settings)}. */
    public void acceptConnections() {
        if (snapshots != null) {
            snapshots.arm();
        }
        for (Channel ch : listeners) {
            ch.config().setAutoRead(true);
        }
        if (metricsEndpoint != null) {
            metricsEndpoint.serve();
        }
    }

    private void bind(boolean accept) {
        Class<? extends ServerChannel> channelType =
                nativeTransport ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ConnectionLimits limits = new ConnectionLimits(settings.maxConnections(), settings.maxConnectionsPerSource(),
                stats.currConnections);
        pipeline = new Pipeline(settings, exec, stats, securityLog, sourcePolicy, limits, budget.input(),
                budget.output(), tls);
        OutputGuard guard = budget.output();
        // On every worker loop rather than the boss: a check closes its own loop's connections first, and those let
        // go of their buffers at once.
        for (io.netty.util.concurrent.EventExecutor loop : workers) {
            loop.scheduleAtFixedRate(guard::check, OutputGuard.PERIOD_MILLIS, OutputGuard.PERIOD_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
        // What every listener shares, TCP or Unix socket.
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .option(ChannelOption.SO_BACKLOG, settings.listenBacklog())
                // A listener that does not auto-read accepts nothing until acceptConnections().
                .option(ChannelOption.AUTO_READ, accept)
                // Output backpressure: past the high mark a connection's requests are not read until it drains.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, MemoryBudget.waterMark())
                .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, MemoryBudget.HELD_MEMORY)
                // Off until the gate admits the connection: a refused client is never read.
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(pipeline);
        if (settings.unixSocket() != null) {
            bindUnix(bootstrap);
            return;
        }
        bootstrap.channel(channelType)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true);
        int bindPort = settings.port();
        int firstPort = -1;
        boolean anyDefaultPort = false;
        for (String address : settings.listen()) {
            Listener listener = Listener.parse(address);
            String host = listener.host();
            int listenPort = listener.portOr(bindPort);
            Channel ch;
            try {
                ServerBootstrap b = listener.tls() ? bootstrap : bootstrap.clone().attr(Pipeline.PLAIN_LISTENER, true);
                ch = b.bind(new InetSocketAddress(host, listenPort)).sync().channel();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while binding " + address, e);
            } catch (Exception e) {
                throw new IllegalStateException("-l/--listen: cannot listen on " + address + " port " + listenPort
                        + ": " + e.getMessage() + " (is another server using it? choose another -p/--port)", e);
            }
            listeners.add(ch);
            int bound = ((InetSocketAddress) ch.localAddress()).getPort();
            firstPort = firstPort < 0 ? bound : firstPort;
            if (listener.port() < 0) {
                anyDefaultPort = true;
                // With port 0, every further address listens on the port the first one was given.
                bindPort = bound;
            }
        }
        // The -p port; or, when every listener names its own, the first one's.
        port = anyDefaultPort ? bindPort : firstPort;
        for (Channel ch : listeners) {
            stats.connections.listening(ch.localAddress());
        }
    }

    /** {@code -s}: the one listener is a Unix domain socket (memcached listens on no TCP port then either). */
    private void bindUnix(ServerBootstrap bootstrap) {
        if (!nativeTransport) {
            throw new IllegalStateException("-s/--unix-socket: needs Netty's native epoll transport (Linux x86_64 or"
                    + " aarch64), which this JVM could not load");
        }
        bootstrap.channel(EpollServerDomainSocketChannel.class).attr(Pipeline.PLAIN_LISTENER, true);
        try {
            listeners.add(UnixListener.bind(bootstrap, settings.unixSocket(), settings.unixMask()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding " + settings.unixSocket(), e);
        }
        port = 0;
        stats.connections.listening(listeners.get(0).localAddress());
    }

    /**
     * Meters for the user's registry and the --metrics-listen endpoint, tagged with the port to tell servers apart. The
     * endpoint is bound here but serves only from {@link #acceptConnections()} when {@code serve} is false.
     */
    private void startMetrics(boolean serve) {
        Tags tags = Tags.of("port", Integer.toString(port));
        if (userRegistry != null) {
            metrics.add(BastionMetrics.bind(userRegistry, store, stats, securityLog, tags));
        }
        if (settings.metricsListen() != null) {
            endpointRegistry = MetricsEndpoint.newRegistry();
            jvmMeters = JvmMeters.bind(endpointRegistry);
            metrics.add(BastionMetrics.bind(endpointRegistry, store, stats, securityLog, tags));
            metricsEndpoint = MetricsEndpoint.start(settings.metricsListen(), endpointRegistry,
                    sourcePolicy::admits, securityLog, threads.factory("metrics"), serve);
        }
    }

    /** The bound address of the --metrics-listen endpoint, or null when it is off. */
    public InetSocketAddress metricsAddress() {
        return metricsEndpoint == null ? null : metricsEndpoint.address();
    }

    /** The bound TCP port. */
    public int port() {
        return port;
    }

    /** The bound socket addresses. */
    public List<InetSocketAddress> addresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (Channel ch : listeners) {
            if (ch.localAddress() instanceof InetSocketAddress inet) {
                out.add(inet);
            }
        }
        return out;
    }

    public Settings settings() {
        return settings;
    }

    /** What clients may make this server hold: the input budget, the water marks, the direct memory they come from. */
    public MemoryBudget memoryBudget() {
        return budget;
    }

    /** The prefix of every thread name of this server, such as {@code bastion-3-}. */
    public String threadNamePrefix() {
        return threads.prefix();
    }

    /** Whether this server uses the native epoll transport (else NIO). */
    public boolean usesNativeTransport() {
        return nativeTransport;
    }

    /** Whether the native epoll transport is available, and used by servers that prefer it. */
    public static boolean nativeTransport() {
        return Epoll.isAvailable();
    }

    /** Drops every item (as {@code flush_all}). */
    public void flushAll() {
        store.flushAll(0);
    }

    /**
     * Re-reads {@code --allow-file} (what SIGHUP does). Open connections stay open; new ones meet the new rules. A bad
     * file keeps the old rules and is logged as an error.
     *
     * @return true when the new rules are in effect
     */
    public boolean reloadAllowFile() {
        return sourcePolicy.reloadAllowFile();
    }

    /**
     * Reloads the TLS certificates (what {@code refresh_certs} and SIGHUP do): new connections get them, open ones
     * keep their session.
     *
     * @return null when the new certificates are in use, else memcached's error line (the old ones stay)
     */
    public String refreshCerts() {
        return tls == null ? "Error TLS not enabled" : tls.refresh();
    }

    /** {@code -Z}'s engine and certificates, or null when TLS is off. */
    public ServerTls tls() {
        return tls;
    }

    /**
     * Re-reads the users file (what SIGHUP does). Connections that logged in keep their user; new logins meet the new
     * file. A bad file keeps the old users and is logged as an error.
     *
     * @return true when the new users are in effect
     */
    public boolean reloadUsers() {
        if (authenticator == null) {
            return false;
        }
        try {
            authenticator.reload(settings.usersFile());
            LOG.log(System.Logger.Level.INFO, "reload: " + authenticator.users().size() + " user(s) from "
                    + settings.usersFile());
            return true;
        } catch (org.bastion.config.SettingsException e) {
            LOG.log(System.Logger.Level.ERROR, "reload: kept the previous users: " + e.getMessage());
            return false;
        }
    }

    /** Completes when the server has stopped, whoever stopped it (close(), or the {@code shutdown} command). */
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    /**
     * Blocks until the server has stopped and every thread it started has ended, including the thread a
     * {@code shutdown} command closes it from, which is still running when {@link #terminated()} completes.
     */
    public void awaitTermination() {
        terminated.join();
        Thread closer = shutdownThread;
        if (closer != null && closer != Thread.currentThread()) {
            try {
                closer.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops accepting, lets in-flight replies go out, closes every connection and ends every thread. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                terminated.join();
                return;
            }
            closed = true;
        }
        try {
            if (metricsEndpoint != null) {
                metricsEndpoint.close();
            }
            for (BastionMetrics m : metrics) {
                m.close();
            }
            if (jvmMeters != null) {
                jvmMeters.close();
            }
            if (endpointRegistry != null) {
                endpointRegistry.close();
            }
            for (Channel ch : listeners) {
                ch.close().syncUninterruptibly();
            }
            // No more accepts, then every connection closed (its client told), then the workers' loops.
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            boss.awaitStopped(5, TimeUnit.SECONDS);
            if (pipeline != null) {
                // Connections the accept loop handed over are registered by now, so closeAll sees them too.
                workers.runQueuedTasks(2, TimeUnit.SECONDS);
                pipeline.closeAll(2000);
            }
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            workers.awaitStopped(5, TimeUnit.SECONDS);
            slowWork.shutdownNow();
            if (snapshots != null) {
                // Clients are gone, so the final snapshot holds every last write.
                snapshots.close();
            }
            // The loops' termination futures complete just before their threads exit; wait for the exit itself.
            threads.join(5, TimeUnit.SECONDS);
        } finally {
            terminated.complete(null);
        }
    }

    private final class Control implements ServerControl {
        @Override
        public void shutdown() {
            // Not on the event loop: closing waits for the loops to end.
            Thread t = threads.newThread(Server.this::close, threads.prefix() + "shutdown");
            shutdownThread = t;
            t.start();
        }

        @Override
        public void verbosity(int level) {
            verbosity = level;
            stats.verbose.level(level);
        }

        @Override
        public int verbosity() {
            return verbosity;
        }

        @Override
        public CompletableFuture<String> snapshot() {
            if (snapshots == null) {
                return ServerControl.super.snapshot();
            }
            return snapshots.request().thenApply(org.bastion.snapshot.SnapshotFile.Written::summary);
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public int threads() {
            return settings.threads();
        }

        @Override
        public String[][] budget() {
            return budget.figures();
        }

        @Override
        public String[][] snapshotFigures() {
            return snapshots == null ? new String[0][] : snapshots.figures();
        }

        @Override
        public String refreshCerts() {
            return Server.this.refreshCerts();
        }

        @Override
        public String tlsEngine() {
            return tls == null ? null : tls.engine();
        }
    }
}
