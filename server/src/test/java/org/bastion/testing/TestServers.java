package org.bastion.testing;

import io.netty.channel.ChannelHandler;
import org.bastion.command.CommandExecutor;
import org.bastion.command.ServerControl;
import org.bastion.config.Settings;
import org.bastion.policy.ConnectionLimits;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.policy.SourcePolicy;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.stats.Stats;
import org.bastion.store.Clock;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;
import org.bastion.transport.Pipeline;

/** Building blocks for tests that drive the command path without sockets. */
public final class TestServers {
    private TestServers() {
    }

    /** One server's command path without transport: its store, counters, executor and a fake server control. */
    public static final class Parts {
        public final Settings settings;
        public final Clock clock;
        public final Stats stats = new Stats();
        public final Store store;
        public final FakeControl control = new FakeControl();
        public final SecurityLog securityLog = new SecurityLog();
        public final CommandExecutor exec;

        Parts(Settings settings, Clock clock) {
            this.settings = settings;
            this.clock = clock;
            this.store = new Store(settings.memoryLimitBytes(), settings.evictionsDisabled(), settings.maxItemSize(), clock,
                stats);
            this.exec = new CommandExecutor(store, stats, settings, control, securityLog);
        }

        /** A text (and meta) translator over these parts for one session. */
        public TextProtocolHandler text(Session session) {
            return new TextProtocolHandler(exec, stats, securityLog, session);
        }

        /** The protocol detector a connection of {@code session} starts with, as the transport builds it. */
        public ChannelHandler detector(Session session) {
            ConnectionLimits limits = new ConnectionLimits(settings.maxConnections(),
                    settings.maxConnectionsPerSource(), stats.currConnections);
            return new Pipeline(settings, exec, stats, securityLog, new SourcePolicy(settings), limits)
                    .detector(session);
        }

        /** A text translator for an in-process session that may do anything. */
        public TextProtocolHandler text() {
            return text(Session.local());
        }
    }

    public static Parts parts(Settings settings, Clock clock) {
        return new Parts(settings, clock);
    }

    public static Parts parts(Settings settings) {
        return new Parts(settings, new ManualClock());
    }

    public static Parts parts() {
        return parts(Settings.builder().threads(1).build());
    }

    /** Server-wide controls that only remember what they were asked. */
    public static final class FakeControl implements ServerControl {
        public volatile int verbosity;
        public volatile int shutdowns;

        @Override
        public void shutdown() {
            shutdowns++;
        }

        @Override
        public void verbosity(int level) {
            verbosity = level;
        }

        @Override
        public int verbosity() {
            return verbosity;
        }

        @Override
        public int port() {
            return 0;
        }

        @Override
        public int threads() {
            return 1;
        }
    }
}
